// lmdemo's page behaviour: links that reopen a view, presentation mode, language switch.
// Loaded into the page head (lmdemo/ui/launch.py); the Python side is lmdemo/ui/links.py.
(function () {
  const initial = new URLSearchParams(location.search);
  // Page settings that stay in the URL across tabs; teach and follow keep a class's page one,
  // model the visitor's pick of model (lmdemo/ui/picker.py).
  const KEEP = ["lang", "present", "teach", "follow", "model"];
  const ON = ["1", "true", "yes", "on"];
  // The page's views, given once the link has filled its view (lmdemo/ui/links.py, wire):
  // {run: {name: run button id}, tabs: {tab id: {name, parent}}, parents: {tab id: first
  // view}, aliases: {name: view}}. Until then the URL must stay as it came: the server reads
  // the link from the address of each request.
  let views = null;
  let linked = null; // {name, query}: the view a link filled, and its inputs (run=1 dropped)
  let ran = false;
  let modelReady = false;
  let pendingRun = null; // the id of the Run button a link asked for, until the model is ready

  function pageUrl(params) {
    for (const key of KEEP) {
      const now = new URLSearchParams(location.search).get(key);
      if (now !== null && !params.has(key)) params.set(key, now);
    }
    return location.origin + location.pathname + "?" + params.toString();
  }

  function same(value, fallback) {
    if (value === fallback) return true;
    if (value === null || value === undefined || fallback === null || fallback === undefined)
      return false;
    return String(value) === String(fallback);
  }

  // The URL of a view with its current values; values equal to the page's defaults are left
  // out, so a link stays short (the few-shot templates are long).
  function linkFor(spec, values) {
    return pageUrl(viewParams(spec, values));
  }

  function viewParams(spec, values) {
    const params = new URLSearchParams({ tab: spec.tab });
    spec.names.forEach((name, i) => {
      let value = values[i];
      if (value === null || value === undefined || same(value, spec.defaults[i])) return;
      if (typeof value === "boolean") value = value ? 1 : 0;
      params.set(name, String(value));
    });
    return params;
  }

  // The view on screen, read from the tab buttons Gradio marks as selected: an inner view
  // counts only while its outer tab is selected; an outer tab whose views have not been drawn
  // yet shows its first one.
  function viewShown() {
    const on = new Set([...document.querySelectorAll("[role=tab][aria-selected=true]")]
      .map((button) => button.dataset.tabId));
    for (const [id, view] of Object.entries(views.tabs))
      if (on.has(id) && (view.parent === null || on.has(view.parent))) return view.name;
    for (const [id, first] of Object.entries(views.parents)) if (on.has(id)) return first;
    return null;
  }

  // The address bar names the view on screen, so a reload keeps the place; the view a link
  // filled keeps the link's inputs. It is written from what is shown, not from the event that
  // called it, so events that arrive late or out of order (the link selecting its tab, a tab
  // clicked while the page was still starting) all end in the same address.
  function showTab() {
    if (views === null) return;
    const name = viewShown();
    if (name === null) return;
    const params = new URLSearchParams(linked && linked.name === name ? linked.query
                                                                     : { tab: name });
    const url = pageUrl(params);
    if (url !== location.href) history.replaceState(null, "", url);
  }

  // After a link has filled its view: remember the link's inputs for the address bar, show
  // the view's name there (also for tabs clicked meanwhile), and with run=1 press the view's
  // Run button once, as soon as the model is ready. A reload then shows the same inputs
  // without running again.
  function runFromLink(given) {
    views = given;
    const asked = initial.get("tab");
    const name = given.aliases[asked] || asked;
    if (name && Object.values(given.tabs).some((view) => view.name === name)) {
      const query = new URLSearchParams(initial);
      for (const key of ["run", ...KEEP]) query.delete(key);
      query.set("tab", name);
      linked = { name, query: query.toString() };
    }
    showTab();
    const id = given.run[name];
    if (ran || !id || !ON.includes((initial.get("run") || "").toLowerCase())) return;
    ran = true;
    pendingRun = id;
    if (modelReady) pressRun();
  }

  // Called once the page's model is ready (lmdemo/ui/status.py): a link's run=1 waits for it
  // (a first start converts the model for minutes).
  function modelIsReady() {
    modelReady = true;
    if (pendingRun) pressRun();
  }

  function pressRun() {
    const id = pendingRun;
    pendingRun = null;
    let tries = 0;
    const press = () => {
      const button = document.getElementById(id);
      if (button && button.offsetParent !== null) button.click();
      else if (tries++ < 50) setTimeout(press, 100);
    };
    setTimeout(press, 50);
  }

  // The header's model picker changed: the address bar carries the pick (none for the
  // default), so a reload and a copied link keep it; a teacher's page shares it.
  function pickModel(name, fallback) {
    const params = new URLSearchParams(location.search);
    if (name && name !== fallback) params.set("model", name);
    else params.delete("model");
    const url = location.pathname + "?" + params.toString();
    if (url !== location.pathname + location.search) history.replaceState(null, "", url);
    noteView(null, []);
  }

  function setPresent(on) {
    document.body.classList.toggle("lm-present", !!on);
    const params = new URLSearchParams(location.search);
    if (on) params.set("present", "1");
    else params.delete("present");
    history.replaceState(null, "", location.pathname + "?" + params.toString());
  }

  // Gradio picks its locale from navigator.language before any head script runs, and has no
  // URL parameter for it; its own settings panel calls changeLocale from the same module.
  async function setLanguage(lang, keepUrl) {
    const core = performance.getEntriesByType("resource").map((e) => e.name)
      .find((n) => /\/assets\/core-[\w-]+\.js$/.test(n));
    if (core) {
      try {
        (await import(core)).changeLocale(lang);
      } catch (err) {
        console.warn("lmdemo: could not switch the language", err);
      }
    }
    document.documentElement.lang = lang;
    if (!keepUrl) {
      const params = new URLSearchParams(location.search);
      params.set("lang", lang);
      history.replaceState(null, "", location.pathname + "?" + params.toString());
    }
  }

  // Tapping a heatmap cell, token chip or coloured token shows its title (its value) in a
  // small box, so nothing needs hover: phones and projector remotes have none.
  function readout(event) {
    let box = document.getElementById("lm-readout");
    const el = event.target.closest && event.target.closest(
      ".lm-heat td[title], .lm-chip[title], .lm-text [title], .lm-bars [title]");
    if (!el) {
      if (box) box.hidden = true;
      return;
    }
    if (!box) {
      box = document.createElement("div");
      box.id = "lm-readout";
      box.setAttribute("role", "status");
      document.body.appendChild(box);
    }
    box.textContent = el.getAttribute("title");
    box.hidden = false;
    const x = Math.min(event.clientX + 12, window.innerWidth - box.offsetWidth - 8);
    const y = event.clientY + 16 + box.offsetHeight > window.innerHeight
      ? event.clientY - box.offsetHeight - 12 : event.clientY + 16;
    box.style.left = Math.max(8, x) + "px";
    box.style.top = Math.max(8, y) + "px";
  }
  document.addEventListener("click", readout, true);

  // The header's language switch: reload in that language. Gradio translates each label once,
  // so a switch in place leaves some behind; the server puts ?lang= in front of Gradio
  // (lmdemo/ui/language.py). The URL keeps the tab, so the reload keeps the place.
  function switchLanguage(lang) {
    const params = new URLSearchParams(location.search);
    if (params.get("lang") === lang) return;
    params.set("lang", lang);
    location.search = params.toString();
  }

  // ---- Follow the teacher (lmdemo/ui/follow.py) ------------------------------------------
  // The teacher's link carries its key: keep it in this browser tab's session storage and
  // take it out of the address bar at once, as a projector shows the address bar.
  const KEY_PREFIX = "lmdemo-class-key-";
  if (initial.get("key") && initial.get("teach")) {
    sessionStorage.setItem(KEY_PREFIX + initial.get("teach").toUpperCase(), initial.get("key"));
    initial.delete("key");
    history.replaceState(null, "", location.pathname + "?" + initial.toString());
  }
  // The class this page teaches or follows; spec: the class-apply event's output ids.
  const lesson = { role: null, code: null, following: true, spec: null };
  const seen = {}; // view name -> {spec, values}: each view's latest inputs, from its events
  let pointer = ""; // what the teacher picked inside a result: "block id:cell index"
  let publishTimer = null;
  let stream = null;

  function press(id) {
    const button = document.getElementById(id);
    if (button) button.click();
  }

  // A view's inputs changed, or a tab was selected: the teacher's page shares the view.
  function noteView(spec, values) {
    if (spec) seen[spec.tab] = { spec, values };
    if (lesson.role !== "teacher") return;
    clearTimeout(publishTimer);
    publishTimer = setTimeout(() => press("class-publish"), 100); // one post per burst
  }

  // The inputs of the class-publish event: the view on screen as a link query (with the
  // teacher's model), and the pick.
  function teacherView() {
    const name = views ? viewShown() : null;
    const model = new URLSearchParams(location.search).get("model");
    const entry = name === null ? null : seen[name];
    const params = entry ? viewParams(entry.spec, entry.values)
      : new URLSearchParams(name === null ? {} : { tab: name });
    if (model) params.set("model", model);
    return [params.toString(), pointer];
  }

  function teacherKey() {
    return lesson.code ? sessionStorage.getItem(KEY_PREFIX + lesson.code) || "" : "";
  }

  function showRole() {
    const follower = lesson.role === "follower";
    document.body.classList.toggle("lm-following", follower && lesson.following);
    document.body.classList.toggle("lm-away", follower && !lesson.following);
  }

  // What the server says this page is: {"role": "teacher" | "claim" | "follower" | "none"}.
  function classInfo(raw) {
    let info;
    try {
      info = JSON.parse(raw || "{}");
    } catch (err) {
      return;
    }
    lesson.role = info.role === "none" ? null : info.role;
    lesson.code = info.code || null;
    if (info.role === "teacher") {
      if (info.key) sessionStorage.setItem(KEY_PREFIX + info.code, info.key);
      const params = new URLSearchParams(location.search);
      params.set("teach", info.code); // a reload reopens this class, not a new one
      history.replaceState(null, "", location.pathname + "?" + params.toString());
      noteView(null, []);
    } else if (info.role === "claim") {
      press("class-claim");
    } else if (info.role === "follower") {
      lesson.following = true;
      follow(info.code);
    }
    if (lesson.role !== "follower" && stream) {
      stream.close();
      stream = null;
    }
    showRole();
  }

  // One server-sent event per change of the class, holding the widgets' updates (the first
  // holds everything). They are kept, merged, in ``latest``; while following, the page hands
  // the new ones to its widgets through the class-apply event (``takeUpdates``).
  let latest = {}; // widget id -> its update: what the teacher's page shows
  let pending = {}; // what the next class-apply sets
  let teacherPointer = "";

  function follow(code) {
    if (stream) stream.close();
    latest = {};
    const base = location.pathname.replace(/[^/]*$/, "");
    const lang = new URLSearchParams(location.search).get("lang");
    stream = new EventSource(base + "lmdemo/class/" + encodeURIComponent(code) + "/events"
                             + (lang ? "?lang=" + encodeURIComponent(lang) : ""));
    stream.onmessage = (event) => {
      const change = JSON.parse(event.data);
      if (change.ended !== undefined) return ended(change.ended);
      const fresh = {};
      for (const part of [change.results || {}, change.view || {}])
        for (const [id, update] of Object.entries(part)) {
          latest[id] = Object.assign({}, latest[id], update);
          fresh[id] = latest[id];
        }
      if (change.pointer !== null && change.pointer !== undefined)
        teacherPointer = change.pointer;
      else if (change.results && Object.keys(change.results).length)
        pointing++; // a redrawn result shows its own pick: stop making the old one again
      if (lesson.following) apply(fresh, change.pointer !== null || change.view !== null);
    };
  }

  function apply(updates, repoint) {
    Object.assign(pending, updates);
    press("class-apply");
    if (repoint) pointAt(teacherPointer);
  }

  // The class-apply event's outputs: each widget's update, or undefined (left as it is).
  function takeUpdates(spec) {
    if (!lesson.spec) lesson.spec = spec;
    const out = spec.ids.map((id) => pending[String(id)]);
    pending = {};
    return out;
  }

  function ended(message) {
    if (stream) stream.close();
    stream = null;
    lesson.role = null;
    showRole();
    const spec = lesson.spec;
    if (!spec) return;
    pending[String(spec.status)] = { __type__: "update", value: message };
    pending[String(spec.back)] = { __type__: "update", visible: false };
    press("class-apply");
  }

  function rejoin() {
    lesson.following = true;
    showRole();
    apply(latest, true);
  }

  // A follower who clicks or types inside the views tries something alone until "Back to
  // the teacher". Only the person's own actions count (isTrusted), not the page's updates.
  const ACTIVE = "button, [role=tab], input, select, textarea, label, [data-pick], "
    + "td[data-cell], [role=option], [role=listbox]";
  function breakAway(event) {
    if (lesson.role !== "follower" || !lesson.following || !event.isTrusted) return;
    const tabs = document.getElementById("main-tabs");
    if (!tabs || !tabs.contains(event.target)) return;
    if (event.type === "click" && !(event.target.closest && event.target.closest(ACTIVE)))
      return;
    lesson.following = false;
    showRole();
  }
  document.addEventListener("click", breakAway, true);
  document.addEventListener("input", breakAway, true);

  // The teacher picks an attention cell: share which one. A follower's page picks the same.
  // Any other action of the teacher's (a run, a slider) may redraw the map with its own
  // default pick, so it drops the shared one.
  function cellOf(event) {
    if (lesson.role !== "teacher" || !event.isTrusted) return;
    const cell = event.target.closest && event.target.closest("td[data-cell]");
    const block = cell && cell.closest(".block[id]:not([id=''])"); // the view's elem_id
    const tabs = document.getElementById("main-tabs");
    if (block)
      pointer = block.id + ":" + [...block.querySelectorAll("td[data-cell]")].indexOf(cell);
    else if (pointer && tabs && tabs.contains(event.target)) pointer = "";
    else return;
    noteView(null, []);
  }
  document.addEventListener("click", cellOf, true);
  document.addEventListener("input", cellOf, true);

  // The pick arrives with the map it belongs to, which may be drawn a moment later and then
  // shows its own default pick: so the pick is checked, and made again, for two seconds.
  let pointing = 0;
  function pointAt(raw) {
    const mine = ++pointing;
    if (lesson.role !== "follower" || !lesson.following || !raw) return;
    const [id, index] = String(raw).split(":");
    let tries = 0;
    const pick = () => {
      if (mine !== pointing || !lesson.following) return;
      const block = id && document.getElementById(id);
      const cell = block && block.querySelectorAll("td[data-cell]")[Number(index)];
      if (cell && !cell.classList.contains("lm-picked")) cell.click(); // the map's own listener
      if (tries++ < 20) setTimeout(pick, 100);
    };
    setTimeout(pick, 50);
  }
  // Gradio heads each pop-up with its type in English ("Error", "Warning") whatever the page's
  // language. The server puts its own words in window.lmdemoToastTitles (launch_kwargs), per
  // language and type; the page's language is picked as Gradio picks its locale.
  function pageLanguage() {
    for (const tag of navigator.languages || [navigator.language]) {
      const lower = (tag || "").toLowerCase();
      if (lower.startsWith("zh")) return "zh-CN";
      if (lower.startsWith("en")) return "en";
    }
    return "en";
  }

  function titleToasts() {
    const words = (window.lmdemoToastTitles || {})[pageLanguage()] || {};
    for (const title of document.querySelectorAll(".toast-title")) {
      const text = title.firstChild;
      const type = [...title.classList].find((name) => name in words);
      if (!type || !text || text.nodeType !== Node.TEXT_NODE) continue;
      const english = type.charAt(0).toUpperCase() + type.slice(1);
      // only a change: writing the same text would wake this observer again, for ever
      if (text.nodeValue.trim() === english && words[type] !== english)
        text.nodeValue = words[type] + " ";
    }
  }
  new MutationObserver(titleToasts).observe(document.documentElement, {
    childList: true, subtree: true, characterData: true });

  window.lmdemo = { linkFor, showTab, runFromLink, modelIsReady, pickModel, setPresent,
                    setLanguage, switchLanguage, noteView, teacherView, teacherKey, classInfo, rejoin,
                    takeUpdates };
  if (ON.includes((initial.get("present") || "").toLowerCase()))
    document.body.classList.add("lm-present");
  if (initial.get("lang")) setLanguage(initial.get("lang"), true);
})();

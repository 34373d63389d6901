"""UI strings of a class that students follow (lmdemo/ui/follow.py, lmdemo/classroom.py)."""

from __future__ import annotations

EN: dict[str, str] = {
    "class_status": "Class",
    "class_teaching": "Class {code}: students open the link below or scan the code, and "
                      "see what this page shows.",
    "class_student_link": "Student link",
    "class_qr": "QR code of the student link of class {code}",
    "class_secret_title": "Your teacher's link (private: open it on your own screen only)",
    "class_secret_link": "Whoever has this link drives the class. It is shown only now: "
                         "keep it to drive from another browser.",
    "class_end": "End the class",
    "class_closed": "The class {code} has ended.",
    "class_follow_status": "You follow class {code}.",
    "class_following": "You see what the teacher's page shows. Try something yourself at "
                       "any time; “Back to the teacher” rejoins.",
    "class_away": "You are trying something yourself; the teacher's page goes on without "
                  "you.",
    "class_back": "Back to the teacher",
    "class_unknown": "There is no class with the code “{code}”. Check the code with your "
                     "teacher.",
    "class_ended": "The class {code} has ended; ask your teacher for the code of the next one.",
    "class_bad_key": "Only the teacher's own link can drive this class: open the teacher's "
                     "link shown when the class began, or start a new class with ?teach=1.",
    "class_full": "This server already has {limit} open classes; try again when one has "
                  "ended.",
    "class_too_long": "That view is too long to share with the class.",
}

ZH: dict[str, str] = {
    "class_status": "课堂",
    "class_teaching": "课堂 {code}：学生打开下面的链接或扫描二维码，即可看到本页显示的内容。",
    "class_student_link": "学生链接",
    "class_qr": "课堂 {code} 学生链接的二维码",
    "class_secret_title": "教师链接（私密：只在你自己的屏幕上打开）",
    "class_secret_link": "持有此链接的人可以主持课堂。它只显示这一次："
                         "请保存好，以便在其他浏览器中主持。",
    "class_end": "结束课堂",
    "class_closed": "课堂 {code} 已结束。",
    "class_follow_status": "你正在跟随课堂 {code}。",
    "class_following": "你看到的是教师页面上的内容。随时可以自己动手试试；"
                       "点“回到教师”即可重新跟随。",
    "class_away": "你正在自己尝试；教师的页面会继续进行。",
    "class_back": "回到教师",
    "class_unknown": "没有代码为“{code}”的课堂。请向老师核对代码。",
    "class_ended": "课堂 {code} 已结束；请向老师索取下一个课堂的代码。",
    "class_bad_key": "只有教师自己的链接才能主持这个课堂：请打开课堂开始时显示的教师链接，"
                     "或用 ?teach=1 开始一个新课堂。",
    "class_full": "本服务器已有 {limit} 个进行中的课堂；请等其中一个结束后再试。",
    "class_too_long": "这个视图太长，无法分享给课堂。",
}

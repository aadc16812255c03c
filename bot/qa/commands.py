"""The question-answering side of /task and /ask: reading their arguments as a question.

Which commands exist, who may use them and their help lines are declared once, in
bot/registry.py; this module only turns `/task 10` into the question 第10项.
"""

from __future__ import annotations

import re

from bot.qa.query import clean

_NUMBER = re.compile(r"\d{1,3}|[零〇一二两三四五六七八九十百]+")


def task_question(args: str) -> str | None:
    """`/task 10`, `/task 政府 23`, `/task 第十项 检查方式`: the question, with the number read as
    第N项; None when no number is given."""
    args = clean(args)
    m = _NUMBER.search(args)
    if not m:
        return None
    return args if "第" in args else f"{args[: m.start()]}第{m.group()}项{args[m.end():]}"

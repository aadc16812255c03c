"""What the question-answering feature says to users and operators (Chinese), in one place.

The older shared strings (task cards, phases, refusals) stay in ``bot.common.texts``; what the
notice index, yes/no answers, clarifying questions, feedback and the evaluation add is here.
"""

from __future__ import annotations

INTENT_NAMES = {
    "task_lookup": "按编号查任务",
    "criteria_search": "按主题找任务",
    "unit_tasks": "单位的任务",
    "phase_deadline": "时间节点",
    "report_rule": "通知规定",
    "totals": "总数与职责",
    "out_of_scope": "超出范围",
    "help": "帮助",
}
INTENT_ORDER = list(INTENT_NAMES)
TABLE_SHORT = {"party": "党委表", "government": "政府表"}


def intent_name(key: str) -> str:
    return INTENT_NAMES.get(key, key)


def task_name(ref: tuple[str, int]) -> str:
    return f"{TABLE_SHORT.get(ref[0], ref[0])}第{ref[1]}项"


# --- ducha ask --eval ----------------------------------------------------------------------
EVAL_NO_FILE = "找不到问题集文件：{path}"
EVAL_BAD_FILE = "问题集文件无法读取（{error}）：{path}"
EVAL_NOT_A_LIST = "问题集文件应是一个非空列表，每项含 q 和 intent：{path}"
EVAL_BAD_ITEM = "问题集第{i}项缺少 q（问题）或 intent（意图）：{path}"
EVAL_TITLE = "问题集评测：{name}（共{n}个问题）"
EVAL_LINE_INTENT = "意图准确率：　　　{value}"
EVAL_LINE_FIRST = "首位任务准确率：　{value}"
EVAL_LINE_F1 = "单位任务F1：　　　{value}"
EVAL_LINE_FACTS = "通知事实命中率：　{value}"
EVAL_LINE_YESNO = "是否题首字正确率：{value}"
EVAL_LINE_ENGLISH = "英文问题全对率：　{value}"
EVAL_NONE = "（本问题集无此类题）"
EVAL_OVER = "{n}题平均"
EVAL_PER_INTENT = "各意图准确率："
EVAL_CONFUSION = "意图混淆（应为 → 实为）："
EVAL_NO_CONFUSION = "  无"
EVAL_CONFUSION_LINE = "  {want} → {got}：{count}题"
EVAL_MISSES = "未答对的问题（{n}个）："
EVAL_HINT = "（身份提示：{table}）"
EVAL_PROBLEM_INTENT = "意图应为“{want}”，实为“{got}”"
EVAL_PROBLEM_TOP = "首位应为{want}，实为{got}"
EVAL_PROBLEM_ALSO = "前三位应包含{want}"
EVAL_PROBLEM_TASKS = "单位任务F1 {f1:.2f}：缺{lack}，多{extra}"
EVAL_PROBLEM_FACTS = "回答中缺少：{facts}"
EVAL_PROBLEM_YESNO = "应以“{want}”开头，实为“{got}”"

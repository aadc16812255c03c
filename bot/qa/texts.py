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


# --- dates of this round ---------------------------------------------------------------------
MONTH_DAY = "{m}月{d}日"
FULL_DATE = "{y}年{m}月{d}日"
ORIGINAL = "（通知原定{date}）"
ORIGINAL_INNER = "，通知原定{date}"
ORIGINAL_UNSET = "（本轮待定，通知原定{date}）"
PHASES_TITLE_ROUND = "督察工作共分五个阶段（{name}的日程）："
PHASES_TITLE_TEMPLATE = "督察工作共分五个阶段（{year}年通知中的时间）："
PHASE_LINE = "（{i}）{name}：{dates}"
DELIVERABLE_LINE = "· {name}：{due}前{original}，由{sender}报送{to}。"
DELIVERABLE_LINE_UNSET = "· {name}：本轮日期待定，由{sender}报送{to}。"
DELIVERABLE_TITLE = "{name}的报送时间："
DELIVERABLE_DUE = "{due}前（{weekday}），由{sender}报送{to}。"
DELIVERABLE_UNSET = "本轮尚未确定日期，由{sender}报送{to}。"
PHASE_OF_DELIVERABLE = "所属阶段：{name}（{dates}）。"
PHASE_DETAIL_TITLE = "{name}（{dates}）"
PROVINCIAL_ROUND = "另（通知原文）：{text}"
ROUND_NOTE = "以上为{name}的日期；通知原定日期见括号。"
DAYS_LEFT = "今天是{today}，距{what}（{due}）还有{days}天。"
DAYS_TODAY = "今天（{today}）就是{what}的截止日。"
DAYS_PAST = "今天是{today}，{what}（{due}）已过去{days}天。"
DAYS_UNKNOWN = "{what}本轮尚未确定日期，暂时无法计算还有几天。"

# --- yes / no ---------------------------------------------------------------------------------
# The words a yes/no answer starts with, as the question was asked (bot.qa.slots.answer_form):
# (when what is asked holds, when it does not).
ANSWER_WORDS = {
    "yes": ("是", "不是"),
    "timely": ("来得及", "来不及"),
    "late": ("不晚", "晚了"),
    "ok": ("行", "不行"),
    "may": ("可以", "不可以"),
    "can": ("能", "不能"),
    "right": ("对", "不对"),
}
VERDICT = "{word}。{reason}"
DUE_IS = "{name}应于{due}前报送{to}。"
DUE_LATE = "{name}应于{due}前报送，{date}已晚{days}天。"
DUE_IN_TIME = "{name}应于{due}前报送，{date}报送不晚于截止日期。"
DUE_NOT_THAT = "{name}的截止日期是{due}，不是{date}。"
DUE_TO = "{name}由{sender}报送{to}。"
DUE_TODAY_IN_TIME = "{name}应于{due}前报送，今天是{today}，还有{days}天。"
DUE_TODAY_LATE = "{name}应于{due}前报送，今天是{today}，已过去{days}天。"
PHASE_CONTAINS = "{name}是{dates}，{date}在其中。"
PHASE_NOT_CONTAINS = "{name}是{dates}，{date}不在其中。"
PHASE_STARTS = "{name}从{start}开始。"
PHASE_ENDS = "{name}到{end}结束。"
COUNT_IS = "{what}共{count}项。"
SHARE_RULE = "通知要求：{point}"
RULE_SAYS = "通知的规定是：{point}"
RULE_SILENT = "通知对此没有专门规定，相关内容如下："

# --- matched English words ----------------------------------------------------------------------
ENGLISH_MATCHED = "（英文问题按以下词语理解：{pairs}。回答使用通知的中文原文。）"
ENGLISH_PAIR = "{en} → {zh}"
ENGLISH_UNKNOWN = "抱歉，这个英文问题里的词语我大多不认识，暂时回答不了。可以用中文提问，或用打分表里的说法，例如 self-check report、legal adviser。"

# --- combined filters and clarifying questions ------------------------------------------------
UNIT_TABLE_TITLE = "{unit}在{table}中作为落实单位的任务（共{count}项）："
UNIT_TABLE_NONE = "{table}里没有以“{unit}”为落实单位的任务。"
UNIT_TOPIC_INTRO = "在{unit}负责的任务中，与您的问题最相关的是："
UNIT_SEVERAL = "“{alias}”可能指：{units}，以下一并列出。"
CLARIFY = "您想问的是哪一个？"
CLARIFY_TABLE = "两张打分表都有相关任务，您想看哪一张表的？"
CLARIFY_TASKS = "有几项任务都比较相关，您指的是哪一项？"
CLARIFY_LINE = "· {title}"

# --- feedback and the log of unanswered questions ----------------------------------------------
HELPFUL = "有帮助"
UNHELPFUL = "没帮助"
THANKS_HELPFUL = "谢谢您的反馈！"
THANKS_UNHELPFUL = "谢谢，已记下这个问题，协调员会据此补充说法。"
FEEDBACK_STALE = "这条反馈已记录过或已过期，谢谢。"
STATUS_NAMES = {"refused": "未能回答", "low": "把握不大", "unhelpful": "用户标记没帮助"}
UNANSWERED_TITLE = "需要补充说法的问题（{since}起，共{count}条）："
UNANSWERED_LINE = "{at}  {status}  {role}  {text}"
UNANSWERED_TIMES = "（共{n}次）"
UNANSWERED_BAD_SINCE = "无法识别日期“{text}”，请使用 2026-12-01 这样的格式。"
UNANSWERED_EMPTY = "没有需要补充说法的问题。"
UNANSWERED_HINT = "可把这些说法加入 rubric_data/lexicon.yaml 的 synonyms 或 cues，再用 ducha ask --eval 检查。"
ROLE_NONE = "未绑定"
TOTALS_BOTH_LINE = "· 两张表合计{count}项任务，共{points}分"

# --- the notice itself ----------------------------------------------------------------------------
NOTICE_TITLE = "关于本次督察的通知："
NOTICE_LINE = "标题：《{title}》"
NOTICE_NO = "文号：{doc_no}"
NOTICE_ISSUER = "印发：{issuer}"
NOTICE_TO = "主送：{to}"

"""Everything the bot says to users, in one place.

Officials read these; keep them polite, short and in plain Chinese. Templates use
str.format fields; the core fills them and the shells render them.
"""

from __future__ import annotations

TABLE_LABEL = {"party": "党委表", "government": "政府表"}
TABLE_LONG = {
    "party": "党委表（责任人：县（区）党委主要负责人）",
    "government": "政府表（责任人：县（区）政府主要负责人）",
}
ASPECT_LABEL = {
    "card": "完整内容",
    "criteria": "检查标准",
    "points": "分值",
    "units": "落实单位",
    "check": "检查方式",
}

WELCOME = (
    "您好！我是督察工作助手，可以帮您查询《党政主要负责人履行推进法治建设第一责任人职责"
    "及法治政府建设督察工作实施方案》及两张打分表的内容。"
)
EXAMPLES_TITLE = "您可以这样问我："
EXAMPLES = [
    "第10项怎么得分",
    "县委第14项谁负责",
    "法律顾问那条查什么材料",
    "判决不执行怎么办",
    "县司法局负责哪些任务",
    "自查报告哪天交",
    "自查报告写多少问题",
    "一共多少项，多少分",
]
HELP_COMMANDS = [
    ("/task 10", "查看第10项任务（可加“党委”或“政府”）"),
    ("/ask 问题", "提问（私聊时直接发送文字即可）"),
    ("/help", "查看使用说明"),
]
HELP_GROUP = "在群聊中，请在消息里 @我 或回复我的消息，我才会回答，以免打扰大家。"

COMMANDS_MENU = [
    ("start", "开始使用"),
    ("task", "按编号查看任务，如 /task 10"),
    ("ask", "提问，如 /ask 法律顾问谁负责"),
    ("help", "使用说明"),
]

EMPTY_QUESTION = "请输入您的问题，例如：“第10项怎么得分”或“自查报告哪天交”。"
TRUNCATED = "您的问题较长，我只阅读了前{limit}个字。"
TASK_USAGE = "请在 /task 后面写上任务编号，例如：/task 10 或 /task 政府 23。"
ASK_USAGE = "请在 /ask 后面写上您的问题，例如：/ask 法律顾问那条谁负责。"
UNKNOWN_COMMAND = "抱歉，我不认识这个命令。可用命令：/start、/task、/ask、/help。"
NO_SUCH_TASK = "没有第{no}项：党委表共{party}项，政府表共{government}项。请确认编号后再问我。"
NO_SUCH_TASK_IN_TABLE = "{table}没有第{no}项，该表共{count}项。"
BOTH_TABLES = "两张打分表都有第{no}项，请看您需要的那一张："
CHOOSE_TABLE = "如需只看一张表，可在问题里写明“党委”或“政府”，或点下面的按钮。"
STALE_BUTTON = "这个按钮已失效，请重新提问。"
NOT_YOUR_BUTTON = "这个按钮是为其他同事生成的，请您自己发送问题。"
INTERNAL_ERROR = "抱歉，处理您的消息时出了点问题，请稍后再试。"
NON_TEXT = "我目前只能阅读文字消息，请用文字提问。"

OUT_OF_SCOPE = "抱歉，这个问题我暂时回答不了。我能回答的是督察实施方案和打分表里的内容："
OUT_OF_SCOPE_ABILITIES = [
    "某一项任务：如“第10项怎么得分”“政府表第23项查什么材料”",
    "按主题找任务：如“干部任前考法律”“领导带头讲法治课”",
    "某个单位的任务：如“县司法局负责哪些任务”",
    "时间节点：如“自查报告哪天交”“整改报告截止时间”",
    "报告要求、督察安排、文件简称：如“自查报告写多少问题”“《纲要》是什么”",
]
NEAREST_TASKS = "以下任务可能与您的问题有关："

# Task cards
CARD_TITLE = "【{table} 第{no}项】{title}（{points}分）"
CARD_DUTY = "主要职责："
CARD_TEXT = "工作任务："
CARD_UNITS = "落实单位："
CARD_CRITERIA = "检查标准："
CARD_CHECK = "检查方式："
CARD_POINTS = "本项满分{points}分，共{count}条检查标准："
CARD_LEVELS = "可选档次："
CARD_NOTE = "数据说明："
CARD_CAP = "注：原文各条标准合计{sum}分，高于本项{points}分，本项得分以{points}分封顶。"
CRITERION_LINE = "{i}. {text}（{points}分）"
LEVEL_ITEM = "{label} {points}分"
OTHER_CANDIDATES = "其他可能相关的任务："
CANDIDATE_LINE = "· {table}第{no}项 {title}（{points}分）"
SEARCH_INTRO = "与您的问题最相关的是："

# Units
UNIT_TITLE = "{unit}作为落实单位的任务（共{count}项）："
UNIT_TABLE_LINE = "{table}："
UNIT_NONE = "打分表里没有以“{unit}”为落实单位的任务。"

# Phases and deliverables
PHASES_TITLE = "督察工作共分五个阶段（{year}年通知中的时间）："
PHASE_LINE = "（{i}）{name}：{date_text}"
PHASE_DETAIL_TITLE = "{name}（{date_text}）"
PHASE_ACTORS = "参与：{actors}"
PHASE_NO_DATE = "具体时间待定，通知未给出日期。"
DELIVERABLE_LINE = "· {name}：{due}前，由{sender}报送{to}。"
DELIVERABLE_TITLE = "{name}的报送时间："
DELIVERABLE_DUE = "{due}前（{weekday}），由{sender}报送{to}。"
PHASE_OF_DELIVERABLE = "所属阶段：{name}（{date_text}）。"
WEEKDAYS = ["星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"]
DATE_FORMAT = "{year}年{month}月{day}日"
PROVINCIAL = "另：{text}"

# Report rules and the campaign
REPORT_RULES_TITLE = "自查报告的要求："
RECTIFICATION_TITLE = "整改方案的要求："
CONSEQUENCES_TITLE = "整改不力的后果："
ORGANIZATION_TITLE = "本次督察的组织方式："
SCOPE_TITLE = "督察内容："
REQUIREMENTS_TITLE = "工作要求："
ATTACHMENT2_TITLE = "附件2《法治政府建设督察工作说明》："
INDICATORS_TITLE = "示范创建指标数量："
INDICATOR_LINE = "· {applies_to}：{level1}项一级指标、{level2}项二级指标、{items}项具体内容"
DOCUMENTS_TITLE = "通知引用的主要文件："
DOCUMENT_LINE = "{short}全称：{full}"
DOCUMENT_LINE_NO_SHORT = "《{full}》"
DOCUMENT_ISSUER = "发布：{issuer}"
DOCUMENT_TASKS = "打分表中涉及它的任务："
NOTICE_SOURCE = "依据：{issuer}《{title}》（{doc_no}）"

# Totals
TOTALS_TITLE = "两张打分表各100分："
TOTALS_TABLE_LINE = "· {table}：{count}项任务，共{points}分，分属6项主要职责"
TOTALS_DUTY_LINE = "{no}. {text}（第{first}–{last}项，共{points}分）"
DUTIES_TITLE = "{table}的六项主要职责："

# Command line and start-up (read by whoever runs the bot)
CLI_NO_TOKEN = "未设置 TELEGRAM_BOT_TOKEN：请先 export TELEGRAM_BOT_TOKEN=<机器人令牌>，或运行 ducha chat 在终端中试用。"
CLI_BAD_TOKEN = "TELEGRAM_BOT_TOKEN 格式不正确（应形如 123456789:AA…），请检查后重试。"
CLI_REJECTED_TOKEN = "Telegram 拒绝了该令牌（InvalidToken），请向 @BotFather 核对 TELEGRAM_BOT_TOKEN。"
CLI_NETWORK = "无法连接 Telegram 服务器（{error}），请检查网络或 TELEGRAM_API_BASE_URL。"
CLI_BAD_BASE_URL = "TELEGRAM_API_BASE_URL 格式不正确，应形如 http://127.0.0.1:8081/bot。"
CLI_RUBRIC_OK = "数据校验通过：党委表{party}项、政府表{government}项，各{points}分；版本 {version}。"
CLI_RUBRIC_ERROR = "数据文件有误，机器人无法启动："
CLI_CHAT_BANNER = "督察工作助手（终端模式，输入问题后回车；输入按钮前的数字可点按钮；Ctrl-D 或 /quit 退出）"
CLI_FILE_MISSING = "找不到文件：{path}"
CLI_BAD_FORMAT = "不支持的格式：{fmt}（目前支持 json）"
CLI_BAD_TABLE = "不认识的表：{table}（可选 party 或 government）"
CHAT_PROMPT = "您> "
CHAT_CHOICES = "可选操作（输入数字）："

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
# Each command's help line (usage, meaning) and its entry in Telegram's command menu. The
# registry (bot/registry.py) declares them beside their commands; /help, the menu and the
# unknown-command reply are built from it, in the registry's order.
HELP_TASK = ("/task 10", "查看第10项任务（可加“党委”或“政府”）")
HELP_ASK = ("/ask 问题", "提问（私聊时直接发送文字即可）")
HELP_SCORE = ("/score", "开始或继续本单位自评打分（需先用邀请链接绑定单位）")
HELP_REVIEW = ("/review", "逐项检查、修改自评答案")
HELP_SUMMARY = ("/summary", "查看得分汇总和扣分项")
HELP_SUBMIT = ("/submit", "提交自评")
HELP_FILES = ("/files", "下载打分表和自查报告初稿")
HELP_RECTIFY = ("/rectify", "查看并报告本单位整改事项")
HELP_HELP = ("/help", "查看使用说明")
HELP_COORD_PROGRESS = ("/progress", "各单位自评进度、进度图和进度表")
HELP_COORD_BROADCAST = ("/broadcast 对象 内容", "发送通知（预览后确认），/broadcasts 查看确认情况")
HELP_COORD_CAMPAIGN = ("/campaign", "查看或设定本轮各阶段日期（“/campaign 全部 日期”整体调整，“/campaign 自查阶段 开始 结束”单独调整）")
HELP_COORD_RECTIFY = ("/rectify [单位]", "待销号的整改事项；写单位名则列出该单位全部整改事项，可撤销销号")
HELP_COORD_REOPEN = ("/reopen 单位 党委|政府", "重新开放已提交的自评")
HELP_COORD_INSPECT = ("/inspect", "各督察组的实地督察进度，查看汇总和督察报告")
HELP_COORD_GROUPS = ("/groups", "设立督察组、分配被督察单位、邀请督察组成员")
HELP_COORD_RELEASE = ("/release 单位 党委|政府", "向单位反馈督察结果，问题转为该单位整改事项")
HELP_COORD_RANKING = ("/ranking", "各单位自评与督察得分排名、对比图和排名表")
HELP_INSPECT = ("/inspect", "查看本组负责的单位，逐项督察打分（可接续同组成员的进度）")
HELP_INSPECT_SUMMARY = ("/summary", "当前单位的督察汇总：得分、与自评的差异、发现的问题")
HELP_INSPECT_SUBMIT = ("/submit", "提交当前单位的督察结果")
HELP_COORD_FILES = ("/files 单位 党委|政府", "下载某单位的打分表、自查报告初稿和佐证材料")
HELP_UNIT_TITLE = "本单位命令："
HELP_UNBOUND = (
    "以上功能无需绑定即可使用。各单位、督察组和市委依法治市办的同志，请打开市委依法治市办发给您的邀请链接"
    "（或发送 /start 邀请码）加入，加入后发送 /help 查看您可用的命令（自评打分、整改等）。"
)
HELP_INSPECT_RECTIFY = ("/rectify 单位", "查看本组负责单位的整改事项及进展（只读）")
HELP_INSPECTOR_TITLE = "督察组成员命令："
HELP_COORDINATOR_TITLE = "协调员命令："
HELP_GROUP = "在群聊中，请在消息里 @我 或回复我的消息，我才会回答，以免打扰大家。"

MENU_START = "开始使用"
MENU_TASK = "按编号查看任务，如 /task 10"
MENU_ASK = "提问，如 /ask 法律顾问谁负责"
MENU_SCORE = "开始或继续自评打分"
MENU_REVIEW = "检查修改自评答案"
MENU_SUMMARY = "得分汇总"
MENU_SUBMIT = "提交自评"
MENU_FILES = "下载打分表和自查报告"
MENU_HELP = "使用说明"

EMPTY_QUESTION = "请输入您的问题，例如：“第10项怎么得分”或“自查报告哪天交”。"
TRUNCATED = "您的问题较长，我只阅读了前{limit}个字。"
TASK_USAGE = "请在 /task 后面写上任务编号，例如：/task 10 或 /task 政府 23。"
ASK_USAGE = "请在 /ask 后面写上您的问题，例如：/ask 法律顾问那条谁负责。"
UNKNOWN_COMMAND = "抱歉，我不认识这个命令。可用命令：{commands}。"  # the command menu, in its order
NO_SUCH_TASK = "没有第{no}项：党委表共{party}项，政府表共{government}项。请确认编号后再问我。"
NO_SUCH_TASK_IN_TABLE = "{table}没有第{no}项，该表共{count}项。"
BOTH_TABLES = "两张打分表都有第{no}项，请看您需要的那一张："
CHOOSE_TABLE = "如需只看一张表，可在问题里写明“党委”或“政府”，或点下面的按钮。"
STALE_BUTTON = "这个按钮已失效，请重新提问。"
NOT_YOUR_BUTTON = "这个按钮是为其他同事生成的，请您自己发送问题。"
INTERNAL_ERROR = "抱歉，处理您的消息时出了点问题，请稍后再试。"
# The database is locked, too slow or unreachable (handlers/errors.py, bot/storage/db.py)
DB_NOT_SAVED = "抱歉，数据库暂时繁忙或无法连接，刚才的操作没有保存。请稍后再试一次。"
DB_NOT_READ = "抱歉，数据库暂时繁忙或无法连接，暂时查不到您要的内容。请稍后再试。"
DB_TEXT_MAYBE_NOT_SAVED = "（数据库暂时繁忙，以上按提问作答。如果您刚才是在填写自评或整改信息，这条内容没有保存，请稍后再发一次。）"
# One user sending too much at once (handlers/updates.py): one reply, then silence for a while
FLOOD = "请稍候：您在{seconds}秒内发送了超过{limit}条消息，多出的消息这次没有处理。请稍等片刻再继续，谢谢。"
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
PHASES_TITLE_ROUND = "{round}督察工作共分五个阶段："
NOTICE_ORIGINAL = "通知原定：{dates}"
NOTICE_ORIGINAL_DUE = "通知原定：{due}前"
NOTICE_DATES_PREFIX = "通知原定"
NOTICE_DATES_NOTE = "以上为通知原定的时间，本轮的时间已由市委依法治市办另行设定，直接问“自查报告哪天交”即可查看。"
NOTICE_DATES_UNSET = "以上为通知原定的{year}年时间，本轮日期尚未由市委依法治市办设定。"
PROVINCIAL_NOTICE = "另（通知原定，{year}年）：{text}"
DELIVERABLE_NO_DUE = "本轮尚未设定报送时间，由{sender}报送{to}。"
DUE_LEFT = "距截止还有{days}天。"
DUE_TODAY = "今天截止。"
DUE_PASSED = "已截止{days}天。"
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
DOCUMENT_FULL = "全称：《{full}》"
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
CLI_FILE_PATH_LONG = "文件路径过长：{path}，请把文件移到较短的路径下再发送。"
# `ducha … --help`: what each command does, for the operator
CLI_HELP = {
    "rubric": "检查、导出打分表数据文件。",
    "db": "数据库（默认 SQLite，DATABASE_URL 指定 PostgreSQL）。",
    "invite": "邀请码：把 Telegram 用户绑定到单位。",
    "campaign": "本轮督察时间安排（通知原定的日期为模板）。",
    "remind": "阶段提醒：将在何时发给谁，以及发送已到时间的提醒。",
    "broadcast": "向各单位发送通知并统计确认情况。",
    "ask": "回答一个问题（或一个文件中的问题）；--eval 检验问题集。",
    "chat": "在终端里和机器人对话：无需令牌，无需联网。",
    "run": "运行 Telegram 机器人（长轮询；加 --webhook 则用 webhook），令牌取自环境变量 TELEGRAM_BOT_TOKEN。",
    "doctor": "检查配置、令牌（getMe）、数据库及迁移、本轮日历、中文字体和数据文件夹；逐项用中文说明，有一项不通过则退出码 1。",
    "backup": "备份整个数据库（机器人运行时也可备份，SQLite 用其备份接口，PostgreSQL 用 pg_dump）。",
    "restore": "用备份文件替换数据库的内容（数据库已有数据时须加 --force）。",
    "db upgrade": "执行尚未执行的数据库迁移（机器人每次启动时也会执行）。",
    "invite create": "生成邀请码及其 t.me 链接。",
    "export": "导出某单位的打分表（xlsx）或自查报告初稿（docx）；--report inspection 导出督察报告，--report rectification 导出整改报告。",
    "rubric validate": "校验全部数据文件；有错时指明文件、任务和字段，退出码 2。",
    "rubric export": "输出校验后的全部数据：两张表、各项任务、检查标准和档次、各阶段日期。",
    "campaign show": "显示本轮各阶段日期和报送时间。",
    "campaign set": "设定本轮某一阶段的日期（记入操作日志）。",
    "campaign shift": "整体调整本轮日历：自查阶段从 --start 开始，其余阶段按通知原定的间隔一并调整。",
    "campaign new-round": "开始新一轮督察：日历回到通知原定时间，各单位重新自评；以前各轮的记录保留。",
    "remind list": "列出今后将发送的提醒：时间、人数、内容；以及近一周内未送达、状态未知或正在等待重试的提醒。",
    "remind run-due": "发送已到时间的提醒、定时通知和每日督办提示；可与运行中的机器人同时使用。",
    "broadcast send": "创建通知并输出其编号；不写 --at 则立即发送。",
    "broadcast status": "某条通知的发送、失败和确认人数，以及尚未确认的单位。",
    "broadcast resend": "重新发送某条通知中状态未知的份数（对方可能已收到，可能收到两份；需确认）。",
    "progress": "各单位自评进度；进度图（PNG）和进度表（xlsx）写入 --out。",
    "audit": "协调员操作和越权尝试记录（最新的在前）：谁、何时、做了什么。",
    "questions": "需要补充说法的问题：未能回答、把握不大或被标记“没帮助”的问题。",
    "questions unanswered": "列出未能回答、把握不大或被标记“没帮助”的问题（不含提问人），以便在 lexicon.yaml 中补充说法。",
    "invite list": "列出邀请码：单位、身份、已用次数、有效期。",
    "invite revoke": "作废邀请码：此后不能再用它绑定。",
    "members": "成员：谁以什么身份绑定在哪个单位；调动或移除成员。",
    "members list": "按单位列出已绑定的用户、身份和绑定时间。",
    "members remove": "移除成员：此后不能再自评或查看本单位数据。",
    "members move": "把成员调到另一个单位（及身份）。",
    "group": "督察组及本轮各组负责督察的单位。",
    "group create": "设立本轮的督察组及其负责的单位。",
    "group assign": "把单位分配给督察组（每个单位每轮至多一个督察组）。",
    "group unassign": "从督察组撤回单位（督察开始后不能撤回）。",
    "group list": "本轮各督察组及其单位和成员。",
    "ranking": "各单位自评与督察得分、差值和排名；图表和表格写入 --out。",
}
# Help of the `ducha` commands' options and arguments, by "command --option" (or "command ARGUMENT").
CLI_OPTION_HELP = {
    "run --webhook": "Telegram 推送更新的公网 https 地址（即反向代理的地址）；不写则使用长轮询",
    "run --listen": "webhook 服务在反向代理后监听的地址",
    "run --port": "webhook 服务监听的端口",
    "run --health-port": "在此端口提供 /healthz（健康检查）和 /metrics（运行指标）",
    "run --health-host": "--health-port 所用的监听地址",
    "backup --out": "写入的备份文件；以 / 结尾则视为文件夹，在其中生成带日期的文件名",
    "restore SOURCE": "由 ducha backup 生成的备份文件",
    "restore --force": "数据库已有数据时仍然覆盖",
    "export --table": "哪张表：party（党委）或 government（政府）",
    "export --format": "文件格式：xlsx（打分表）或 docx（自查报告初稿）；不用 --report 时必须指定",
    "audit --limit": "显示最近多少条记录",
    "broadcast BROADCAST_ID": "通知编号（ducha broadcast send 输出的编号）",
}
CLI_BROADCAST_SENT = "已发送 {sent}，失败 {failed}"
CLI_BROADCAST_DEFERRED = "，{count} 份因暂时无法连接 Telegram 将自动重试（由运行中的机器人或 ducha remind run-due 发出）"
CLI_BROADCAST_UNKNOWN = "，{count} 份状态未知（可能已收到，未自动重发；可用 ducha broadcast resend {id} 重新发送）"
CLI_RESEND_CONFIRM = "确定重新发送吗？"
CLI_RESEND_ABORTED = "已取消，没有重新发送。"
CLI_BROADCAST_MADE = "已创建通知{name}（编号 {id}，可用 ducha broadcast status {id} 查看确认情况）。"
CLI_NO_ASSESSMENT = "没有找到{unit}{round}的{table}自评。"
CHAT_NEEDS_USER = (
    "此功能需要以用户身份使用终端：请退出后运行 ducha chat --user 您的名字，再发送 /start 邀请码"
    "（邀请码由市委依法治市办用 ducha invite create 生成）。查询打分表内容无需绑定，直接提问即可。"
)
CHAT_PROMPT = "您> "
CHAT_CHOICES = "可选操作（输入数字）："
CHAT_ANONYMOUS = "终端用户"

# --- Registration and roles -------------------------------------------------------------
ROLE_LABEL = {
    "party": "党委", "government": "政府", "department": "市直部门", "coordinator": "协调员（市委依法治市办）",
    "inspector": "督察组成员",
}
COORDINATOR_UNIT = "市委依法治市办"
BOUND = "绑定成功！您已加入“{unit}”，身份：{role}。发送 /score 开始或继续本单位的自评打分。"
BOUND_INSPECTOR = "绑定成功！您已加入“{group}”，身份：督察组成员。发送 /inspect 查看本组负责的单位并开始实地督察打分。"
BOUND_COORDINATOR = "绑定成功！您是市委依法治市办协调员，可查看各单位进度、重新开放已提交的自评。"
ALREADY_BOUND = "您已绑定“{unit}”（{role}），无需重复绑定。如需更换单位，请联系市委依法治市办。"
INVITE_BAD_ROLE = "没有“{role}”这个身份，可选：{roles}。"
INVITE_INSPECTOR_GROUP = "督察组成员加入的是督察组：请写 --group 督察组名称 --role inspector。"
INVITE_UNKNOWN_UNIT = "没有“{unit}”这个单位。{hint}可选单位：{known}。如需新增单位，请在 rubric_data/units.yaml 中添加。"
INVITE_UNIT_MEANT = "您是指“{unit}”吗？"
INVITE_COORDINATOR_UNIT = "协调员属于{unit}，请写 --unit {unit}。"
INVITE_BAD_USES = "--uses（可用次数）至少为1。"
INVITE_BAD_DURATION = "有效期“{text}”无法识别，请写成 7d（7天）、12h（12小时）、30m（30分钟）或 2w（2周）。"
INVITE_CREATED = "{unit} · {role} · 可用 {uses} 次 · 有效期至 {until}"
INVITE_NO_LINK = (
    "（未生成邀请链接：不知道机器人的用户名。请设置环境变量 TELEGRAM_BOT_USERNAME 或加上 --bot 机器人用户名 后重新生成；"
    "也可以直接把邀请码发给对方，请其在与机器人的对话中发送 /start {code}。）"
)
INVITE_NO_EXPIRY = "长期有效"
INVITE_UNKNOWN = "邀请码无效，请核对后重试，或向市委依法治市办索取新的邀请码。"
INVITE_EXPIRED = "该邀请码已过期，请向市委依法治市办索取新的邀请码。"
INVITE_USED_UP = "该邀请码的使用次数已满，请向市委依法治市办索取新的邀请码。"
NOT_BOUND = "此功能需要先绑定单位。请使用市委依法治市办发给您的邀请链接，或发送 /start 邀请码。查询打分表内容无需绑定，直接提问即可。"
PRIVATE_ONLY = "请在与我的私聊中使用 /{command}，以免在群里公开单位的信息、打扰群内同事。"
COORDINATOR_NO_SCORE = "协调员不参与自评打分。"
INSPECTOR_NO_SCORE = "督察组成员不参与单位自评打分。实地督察请发送 /inspect。"
NOT_COORDINATOR = (
    "此操作仅限市委依法治市办协调员。如您是协调员，请向市委依法治市办索取邀请链接，加入后即可使用；"
    "您也可以直接提问打分表和通知的内容，或发送 /help 查看您可用的命令。"
)
INACTIVE = "您此前停用了本机器人（屏蔽或删除了对话），相关操作和通知已暂停。如需继续使用，请发送 /start 恢复。"
REACTIVATED = "欢迎回来！已恢复您在“{unit}”的绑定（{role}），通知和各项功能照常可用。"
INVITE_TOO_MANY = "您输入错误的邀请码次数过多，为保护账号安全，请稍候一分钟再试，并核对邀请码是否完整。"
INVITE_BEFORE_REMOVAL = "您已被市委依法治市办移出原单位，此前生成的邀请码不能再用于绑定。如需重新加入，请向市委依法治市办索取新的邀请码。"
ADMIN_IDS_ACTOR = "配置项 DUCHA_ADMIN_IDS"
STANDING_UNIT = "您已绑定“{unit}”，身份：{role}。"
STANDING_COORDINATOR = "您是市委依法治市办协调员，可发送 /progress 查看各单位进度。"
STANDING_PICK_TABLE = "本单位尚未选择参照的打分表，发送 /score 选择后开始自评。"
STANDING_NOT_STARTED = "本单位{table}自评尚未开始，发送 /score 开始。"
STANDING_PROGRESS = "本单位{table}自评：已答 {done}/{total} 条检查标准，当前得分 {score} 分，{status}。"
STANDING_SUBMITTED = "已于{at}提交"
STANDING_OPEN = "尚未提交"
STANDING_DEDUCTIONS = "扣分的检查标准 {count} 条，共扣 {lost} 分（/summary 查看）。"
STANDING_RECTIFY = "整改事项：{count} 项尚未完成（/rectify 查看）。"
STANDING_RECTIFY_NONE = "整改事项：暂无未完成的事项。"
OWN_SCORE_LEAD = "以下是本单位的自评汇总（也可随时发送 /summary 查看）："

# --- Self-scoring -----------------------------------------------------------------------
SCORE_PICK_TABLE = "市直部门参照党委表或政府表自评，请选择本单位参照的打分表："
SCORE_PROGRESS = "{unit} · {table}　已完成 {done}/{total} 项，当前得分 {score} 分"
SCORE_TASK_HEAD = "【第{no}项】{title}（{points}分）"
SCORE_TASK_TEXT = "工作任务：{text}"
SCORE_CRITERION = "检查标准 {i}/{n}（{points}分）：{text}"
SCORE_CHECK = "检查方式：{text}"
SCORE_CURRENT = "当前答案：{label}（{points}分，{by}）"
SCORE_STALE = "⚠ 该条标准已变更，原答案需重新确认。"
SCORE_EVIDENCE_COUNT = "已上传佐证材料 {count} 份。"
SCORE_EVIDENCE_HINT = "如有佐证材料（会议记录、文件等），可在此时直接发送文件或照片。"
SCORE_LEVEL_BUTTON = "{label} · {points}分"
SCORE_PREV = "上一项"
SCORE_SKIP = "跳过"
SCORE_PAUSE = "暂停"
SCORE_SHOW_EVIDENCE = "查看佐证"
SCORE_SAVED = "已记录：{label}（{points}分）。"
SCORE_PAUSED = "已暂停，所有答案均已保存。发送 /score 可从当前位置继续。"
SCORE_DONE = "全部{total}项已作答完毕，当前得分 {score} 分。可发送 /review 检查修改，/summary 查看汇总，/submit 提交。"
SCORE_NOT_UNDERSTOOD = "没能识别您的回答，请点击下方按钮选择，或回复选项编号（1、2…）。"
SCORE_CONFLICT = "该项刚刚已由{by}作答为“{label}”。如需修改，请在下方重新选择。"
SCORE_LOCKED = "本单位的自评已于{at}提交，不能再修改。如需修改，请联系市委依法治市办重新开放。"
SCORE_STALE_BUTTON = "这个按钮已过期，已为您显示当前的题目。"
SCORE_WRONG_UNIT = "您无权操作其他单位的自评。"
SCORE_SKIPPED_ALL = "已跳过。"
RETURNED_NOTE = "⚠ 市委依法治市办退回了本单位自评，退回意见：{comment}"

RECT_INTRO = "本条未得满分（{got}/{full}分）。请补充整改信息，每项都可以点“跳过”。"
RECT_ASK = {
    "problem": "请用一两句话说明存在的问题：",
    "measure": "请填写整改措施：",
    "leader": "请填写责任领导：",
    "unit": "请填写责任单位（本项落实单位：{units}）：",
    "person": "请填写责任人：",
    "deadline": "请填写完成时限（如 {md}、{iso}、两周内、年底前、长期坚持、立行立改）：",
}
RECT_CURRENT = "当前内容：{value}"
RECT_CURRENT_HINT = "发送新内容即可修改；点“跳过”保留当前内容，发送“清空”可删除。"
RECT_KEPT = "{field}保持不变：{value}。"
RECT_SKIPPED = "已跳过{field}（未填写）。"
RECT_CLEARED = "已清空{field}。"
RECT_DEADLINE_READ = "完成时限已记为{date}（{weekday}）。"
RECT_DEADLINE_NEXT_YEAR = "（没有写年份，已按{year}年计；如指其他年份，请在 /review 中点“修改整改信息”写明年份。）"
RECT_DEADLINE_PAST = "注意：这个日期早于今天，如有误请在 /review 中点“修改整改信息”更正。"
RECT_DEADLINE_ONGOING = "已保存完成时限：{text}（不设具体日期）。"
RECT_EDIT_BUTTON = "修改整改信息"
RECT_EDIT_INTRO = "修改第{no}项第{i}条的整改信息（无需重新选择档次）。每项显示当前内容，点“跳过”保留。"
RECT_EDIT_FULL = "第{no}项第{i}条已得满分，没有需要填写的整改信息。"
RECT_EDIT_UNANSWERED = "这一条还没有作答，请先选择档次。"
RESUME_RECT = "请继续填写整改信息："
RESUME_LEVEL = "请继续自评："
RECT_LABEL = {
    "problem": "存在问题",
    "measure": "整改措施",
    "leader": "责任领导",
    "unit": "责任单位",
    "person": "责任人",
    "deadline": "完成时限",
}
RECT_SAVED = "已保存{field}。"
RECT_BAD_DEADLINE = "无法识别“{text}”这个完成时限，请换一种写法（如 {md}、{iso}、两周内、长期坚持），或点“跳过”。"
RECT_TOO_LONG = "内容过长（{length}字），请精简到{limit}字以内。"
RECT_EMPTY = "内容为空，请重新输入，或点“跳过”。"

EVIDENCE_SAVED = "已保存佐证材料“{name}”（{size}），归入第{no}项第{i}条检查标准。"
EVIDENCE_DUPLICATE = "这份材料已经保存过了。"
EVIDENCE_DUPLICATE_AT = "这份材料已经保存过了（第{no}项第{i}条的{label}）。"
EVIDENCE_STAGE_NAME = {"selfcheck": "自评佐证", "rectification": "整改佐证"}
EVIDENCE_NO_CRITERION = "请先发送 /score 进入要佐证的那一条检查标准，再发送文件或照片。"
EVIDENCE_NONE = "这一条还没有佐证材料。"
EVIDENCE_LOST = "佐证材料“{name}”无法发送：Telegram 已找不到这个文件（可能是更换了机器人或恢复了备份），请联系上传单位重新发送。"
EVIDENCE_SENDING = "第{no}项第{i}条的佐证材料共 {count} 份："
EVIDENCE_RECT_SAVED = "已保存整改佐证材料“{name}”（{size}），归入第{no}项第{i}条的整改事项。"
EVIDENCE_SUBMITTED = (
    "本单位的自评已于{at}提交，“{name}”没有归入自评材料。如果这是整改佐证，请发送 /rectify，"
    "点该事项的“报告完成”后再发送；如需补充自评材料，请联系市委依法治市办重新开放。"
)
EVIDENCE_LABEL = {"selfcheck": "【自评佐证】", "rectification": "【整改佐证】"}
EVIDENCE_INDEX_TITLE = "{unit} · {table} 佐证材料（共 {count} 份）"
EVIDENCE_INDEX_EMPTY = "还没有上传任何佐证材料。"
EVIDENCE_INDEX_LINE = "· 第{no}项第{i}条：自评佐证 {selfcheck} 份，整改佐证 {rect} 份"
EVIDENCE_INDEX_BUTTON = "第{no}项第{i}条"
EVIDENCE_INDEX_OPEN = "佐证材料"

REVIEW_TITLE = "{unit} · {table}　得分 {score}/100，已完成 {done}/{total} 项"
REVIEW_MARK_FULL = "✅"
REVIEW_MARK_LOST = "🟡"
REVIEW_MARK_OPEN = "⬜"
REVIEW_LEGEND = "✅ 满分　🟡 有扣分　⬜ 尚未答完"
REVIEW_LINE = "{mark} 第{no}项 {title}：{score}/{points}分{extra}"
REVIEW_TASK_TITLE = "第{no}项 {title}（{score}/{points}分）"
REVIEW_CRITERION = "{i}. {text}"
REVIEW_ANSWER = "   答案：{label}（{points}分） · {by}"
REVIEW_UNANSWERED = "   尚未作答"
REVIEW_RECT = "   {label}：{value}"
REVIEW_CHANGE = "修改第{i}条"
REVIEW_RECT_EDIT = "修改第{i}条整改信息"
REVIEW_HINT = "点击任务可查看并修改答案。"

SUMMARY_TITLE = "{unit} · {table} 自评汇总"
SUMMARY_TOTAL = "总分：{score}/100（已完成 {done}/{total} 项）"
SUMMARY_DUTY = "{no}. {text}：{score}/{points}分"
SUMMARY_DEDUCTIONS = "扣分项（从大到小）："
SUMMARY_DEDUCTION = "· 第{no}项 {title} 第{i}条：扣{lost}分（{label}）"
SUMMARY_NO_DEDUCTIONS = "暂无扣分项。"
SUMMARY_STATUS_SUBMITTED = "状态：已于{at}由{by}提交。"
SUMMARY_STATUS_OPEN = "状态：未提交。"

SUBMIT_INCOMPLETE = "还有 {missing} 条检查标准未作答，全部作答后才能提交。发送 /score 继续。"
SUBMIT_CONFIRM = "确认提交{unit}的{table}自评吗？提交后将不能修改（协调员可重新开放）。当前得分 {score}/100。"
SUBMIT_YES = "确认提交"
SUBMIT_NO = "再看看"
SUBMIT_DONE = "已提交！{unit}{table}自评得分 {score}/100，提交人 {by}，时间 {at}。可下载打分表和自查报告初稿。"
SUBMIT_CANCELLED = "已取消提交，答案均已保存。"
SUBMIT_NOTICE_UNIT = "{by}已提交本单位（{unit}）的{table}自评，得分 {score}/100。"
SUBMIT_NOTICE_COORD = "{unit}已提交{table}自评，得分 {score}/100，提交人 {by}，时间 {at}。"
REOPEN_BUTTON = "重新开放"
REOPENED = "已重新开放{unit}的{table}自评。"
REOPEN_NOTICE = "市委依法治市办已重新开放本单位（{unit}）的{table}自评，可以继续修改。"
REOPEN_USAGE = "用法：/reopen 单位 党委|政府，例如 /reopen 华龙区 党委"
REOPEN_NOT_FOUND = "没有找到{unit}的{table}自评。"
REOPEN_NOT_SUBMITTED = "{unit}的{table}自评尚未提交，无需重新开放。"

FILES_XLSX = "下载打分表"
FILES_DOCX = "下载自查报告"
FILES_SENT = "已生成文件：{name}"
FILES_SHARE_OK = "问题及整改措施约占报告篇幅的{share}%，符合不少于60%的要求。"
NO_ASSESSMENT = "本单位还没有开始自评，发送 /score 开始。"

# --- Coordination: calendar, broadcasts, rectification, progress -----------------------------
CAL_TITLE = "{round}督察时间安排："
CAL_TITLE_TEMPLATE = "督察时间安排（本轮尚未设定日期，以下为通知原定时间）："
CAL_LINE = "（{i}）{name}：{dates}{source}"
CAL_NOTICE_LINE = "　通知原定：{dates}"
CAL_NO_DATE = "未设定日期（不会发送提醒）"
CAL_NO_DAY = "不设日期"
CAL_DUE = "　· {name}：{due}前"
CAL_SOURCE_SET = "（由{by}设定）"
CAL_USAGE = (
    "设定本轮日期：\n"
    "· 整体调整：/campaign 全部 {start}（以自查阶段开始日为准，其余阶段按通知原定的间隔一并调整）\n"
    "· 单个阶段：/campaign 自查阶段 {start} {end}（不设日期写“-”）\n"
    "日期{forms}阶段可写名称（如 自查阶段、实地督察阶段、反馈整改阶段）。"
)
CAL_FORMS = "可写作 {iso}、{slash}、{cn}、{md} 或 {dot}；"
CAL_SET = "已记为：{name} {start}至{end}。"
CAL_SHIFTED = "已整体调整：{name}自{day}开始，其余阶段按通知原定的间隔一并调整（共{count}个阶段），可再逐个阶段微调。"
CAL_BAD = "无法设定：{reason}"
CAL_BAD_DATE = "日期“{text}”无法识别，{forms}请换一种写法。"
CAL_BAD_PHASE = "无法设定：没有“{text}”这个阶段。可写：组织筹备阶段、自查阶段、实地督察阶段、反馈整改阶段、迎接督察阶段，或“全部”整体调整。"
CAL_DAY_OFF = "注意：{name}的截止日{day}是休息日，提醒将提前到此前的工作日发送。"
CAL_STALE_PHASES = "提示：{phases}仍是通知原定的{year}年日期。如需整体调整，可发送 /campaign 全部 {example}（命令行：ducha campaign shift --start {example}）。"
CAL_CONFIRM = "请确认：{reason}。{question}"
CAL_CONFIRM_SET = "仍要将{name}设为{start}至{end}吗？"
CAL_CONFIRM_SHIFT = "仍要将整个日历调整为自{day}开始吗？"
CAL_CONFIRM_YES = "确认设定"
CAL_CONFIRM_OTHER = "改为{what}"
CAL_CONFIRM_NO = "取消"
CAL_RANGE = "{start}至{end}"
CAL_END_BEFORE = "结束日期{end}早于开始日期{start}"
CAL_CANCELLED = "已取消，日期未改动。"
AUDIT_CAL_SET = "{name} {start} 至 {end}"
AUDIT_CAL_SHIFT = "整体调整，自查阶段自 {start} 开始"
DUE_UNSET = "规定时间"
CAL_CLI_CONFIRM = "如确认无误，请加上 --yes 重新运行；如指的是其他年份，请写明年份（如 {example}）。"
CLI_ACTOR = "命令行"
PHASE_LABEL = {
    "prepare": "组织筹备阶段",
    "self_check": "自查阶段",
    "field_inspection": "实地督察阶段",
    "rectification": "反馈整改阶段",
    "central_inspection": "迎接督察阶段",
}

ROUND_STARTED_BY = "系统"
ROUND_BAD_KEY = "轮次名称“{key}”不可用：应为1至{limit}个字符。"
ROUND_MISMATCH = (
    "DUCHA_ROUND={requested}，但本轮的日期和自评记录保存在“{current}”名下（已设定{dates}个阶段的日期、自评{assessments}份）。"
    "直接改用“{requested}”会让日历回到通知原定时间、各单位自评从零开始。"
    "继续本轮：请去掉 DUCHA_ROUND 或设为 {current}；确要开始新一轮：请先运行 ducha campaign new-round {requested}（原有记录保留）。"
)
ROUND_STARTED = "已开始新一轮（{key}）：日历暂为通知原定时间，请用 ducha campaign shift --start 日期 设定本轮日期。以前各轮的记录均保留。"

BC_USAGE = (
    "用法：/broadcast 对象 通知内容。对象可以是：全部、党委、政府、部门、单位名称（如 华龙区,范县）、"
    "未提交（未提交自评的单位）、整改未完成（有未完成整改的单位）；也可写 all、role:party、unit:华龙区,范县、"
    "not-submitted、open-rectification。通知内容可用 Telegram 的加粗、斜体等格式。"
)
# A notice is named by its first words and the day it was (or will be) sent.
BC_NAME = "“{title}”（{day}）"
AUDIENCE_LABEL = {
    "all": "全部单位",
    "role:party": "各党委",
    "role:government": "各政府",
    "role:department": "各市直部门",
    "role:coordinator": "协调员",
    "not-submitted": "未提交自评的单位",
    "open-rectification": "有未完成整改的单位",
}
AUDIENCE_NUDGE = "未确认的接收人"
# What coordinators type for an audience, beside the forms above.
AUDIENCE_ALIASES = {
    "全部": "all", "所有": "all", "全体": "all", "所有单位": "all", "全部单位": "all", "各单位": "all",
    "党委": "role:party", "政府": "role:government", "部门": "role:department", "市直部门": "role:department",
    "未提交": "not-submitted", "未提交自评": "not-submitted", "未提交单位": "not-submitted",
    "整改未完成": "open-rectification", "未完成整改": "open-rectification", "有整改": "open-rectification",
}
BC_PREVIEW = "通知预览（将发给 {count} 人，涉及 {units} 个单位）："
BC_PREVIEW_AT = "计划发送时间：{at}"
BC_SEND_NOW = "立即发送"
BC_SEND_MORNING = "明早9点发送"
BC_CANCEL = "取消"
BC_CANCELLED = "已取消，通知未发送。"
BC_EMPTY_AUDIENCE = "没有符合条件的接收人（{audience}），通知未创建。"
BC_BAD_AUDIENCE = "无法识别发送对象“{audience}”。"
BC_UNKNOWN_UNITS = "以下单位不存在：{units}。"
BC_BAD_HTML = (
    "通知格式有误：{reason}。Telegram 支持的格式：<b>加粗</b> <i>斜体</i> <u>下划线</u> <s>删除线</s> "
    "<tg-spoiler>隐藏</tg-spoiler> <a href=\"https://…\">链接</a> <code>代码</code> <pre>代码块</pre> <blockquote>引用</blockquote>。"
)
BC_TOO_LONG = "通知过长（{length}字），Telegram 单条消息上限为{limit}字，请精简或分多条发送。"
BC_EMPTY_TEXT = "通知内容为空。"
BC_PAST = "发送时间{at}已过，请设定将来的时间。"
BC_SCHEDULED = "已安排发送{name}，共 {count} 人，时间：{at}。"
BC_QUEUED = "正在发送{name}，共 {count} 人。"
BC_ALREADY = "该通知已处理（状态：{status}）。"
BC_HELD_TITLE = "定时通知未按时发出"
BC_HELD = "原定{at}发送的通知，因机器人当时未运行而没有发出，现已暂停，请您决定是否仍然发送：\n{preview}"
BC_HELD_SEND = "仍然发送"
BC_HELD_CANCEL = "取消发送"
BC_ACK_BUTTON = "收到"
BC_ACKED = "已确认收到，谢谢！"
BC_ACK_ALREADY = "您已确认过，谢谢！"
BC_ACK_ALREADY_AT = "您已于{when}确认收到，无需再次确认，谢谢！"
BC_ACKED_BUTTON = "✅ 已确认收到（{when}）"
BC_ACK_UNKNOWN = "这条通知不是发给您的，或已失效。"
BC_LIST_TITLE = "最近的通知："
BC_LIST_LINE = "{n}. {name}　已发{sent} 失败{failed} 确认{acked}/{total}"
BC_LIST_UNKNOWN = " 状态未知{count}"
BC_LIST_RETRYING = " 等待重试{count}"
BC_LIST_NUDGES = " 已催办{count}次（最近{when}）"
BC_PAGE_NUDGES = "已催办 {count} 次："
BC_PAGE_NUDGE = "{when}催办 {count} 人"
BC_NUDGE_OF_NUDGE = "这是一条催办消息，不能再催办；如需再次提醒，请在原通知的页面上点“催办未确认单位”。"
BC_LIST_EMPTY = "还没有发过通知。"
BC_PAGE_TITLE = "通知{name}（{when}发送，对象：{audience}）"
BC_PAGE_COUNTS = "已发送 {sent}，失败 {failed}，排队 {queued}，已确认 {acked}/{total}"
BC_PAGE_UNKNOWN = (
    "状态未知 {count} 人：发送时请求超时或机器人中断，对方可能已经收到，为避免重复没有自动重发。"
    "可以点下面的按钮重新发送，但其中一些人可能会收到两份。"
)
BC_PAGE_RETRYING = "暂时无法连接 Telegram：{count} 份正在等待自动重试，下次 {next}，最迟到 {until}，仍无法发送则记为失败。"
BC_PAGE_FAILURES = "失败原因："
BC_PAGE_FAILURE = "{reason} {count} 人"
BC_FAIL_UNREACHABLE = "一直无法连接 Telegram（已自动重试至截止时间）"
BC_FAIL_EXPIRED = "机器人停止运行过久，未能在截止时间前发出"
BC_FAIL_BLOCKED = "对方已停用或屏蔽机器人"
BC_FAIL_NO_CHAT = "找不到对方的对话（账号可能已注销）"
BC_FAIL_REJECTED = "Telegram 拒收"
BC_FAIL_FILE = "附件文件无法读取"
BC_FAIL_OTHER = "发送出错"
BC_RESEND = "重新发送状态未知的 {count} 份"
BC_RESEND_ASK = (
    "将向 {count} 位状态未知的接收人重新发送{name}。\n"
    "注意：他们中的一些人可能已经收到了这条通知，重新发送后会收到两份。确定重新发送吗？"
)
BC_RESEND_CONFIRM = "确定重新发送"
BC_RESEND_BACK = "返回"
BC_RESEND_DONE = "已安排重新发送{name}，共 {count} 人，将在半分钟内发出。"
BC_RESEND_NONE = "这条通知没有状态未知的接收人，无需重新发送。"
BC_PAGE_PENDING = "尚未确认的单位："
BC_PAGE_ALL_ACKED = "全部接收人都已确认。"
BC_NUDGE = "催办未确认单位"
BC_NUDGE_TEXT = "【催办】请确认收到{day}的通知：\n{text}"
# A 催办 on a notice too long to repeat under the 催办 line (HTML: {name} and {first} escaped).
BC_NUDGE_SHORT = (
    "【催办】请确认收到通知{name}：请查看原通知后点击“收到”确认。"
    "如未收到原通知，请与市委依法治市办联系。\n<blockquote>{first}</blockquote>"
)
BC_NUDGE_NONE = "没有需要催办的接收人。"
BC_NUDGE_WAITING = "另有 {count} 人的通知仍在发送或等待重试，这次没有催办。"
BC_HEADER = "【市委依法治市办通知】"

RECT_LIST_TITLE = "{unit}的整改事项（{count}项）："
RECT_LIST_EMPTY = "本单位没有需要整改的事项。"
RECT_LIST_EMPTY_UNIT = "{unit}没有整改事项（自评提交后，未得满分的条目才成为整改事项）。"
RECT_LIST_TITLE_UNIT = "{unit}"
RECT_READ_ONLY = "（督察组只读：整改由被督察单位报告完成，市委依法治市办销号。）"
RECT_INSPECTOR_USAGE = (
    "{group}负责督察的单位：{units}。发送 /rectify 单位名 查看该单位的整改事项及进展（只读），例如 /rectify {example}。"
)
RECT_INSPECTOR_NO_UNITS = "{group}本轮尚未分配被督察单位，暂无可查看的整改事项。"
RECT_INSPECTOR_NOT_YOURS = "{unit}不在{group}负责督察的单位（{units}）中，无法查看其整改事项。"
RECT_INSPECTOR_NONE = "尚未分配"
RECT_TITLE_REPORTED = "各单位已报告完成、待销号"
RECT_TITLE_OWING = "各单位未完成"
RECT_SHOWN = "，以下显示前{shown}项"
RECT_UNKNOWN_UNIT = "没有名为“{unit}”的单位，请检查单位名称。"
RECT_REOPEN_BUTTON = "撤销销号 {n}"
RECT_NOT_CLOSED = "该事项目前不是已销号状态（{state}），无需撤销。"
RECT_REOPENED = "已撤销销号：{unit}{item}，恢复为“已报告完成（待销号）”。"
RECT_NOTICE_REOPENED = "市委依法治市办撤销了{item}的销号，该事项恢复为待销号，请留意后续意见。"
RECT_ITEM = "{mark} {n}. {item}：{problem}\n　　措施：{measure}；时限：{deadline}；状态：{state}"
RECT_ITEM_LABEL = "第{no}项第{i}条"
RECT_SOURCE = {"inspection": "【督察反馈】"}  # items not from the unit's own self-check
RECT_STATE = {"open": "待整改", "reported": "已报告完成（待销号）", "closed": "已销号", "returned": "已退回"}
RECT_REPORT_BUTTON = "报告完成 {n}"
RECT_ASK_NOTE = "请简要说明{item}的整改情况（可同时发送佐证材料）："
RECT_REPORTED = "已报告{item}整改完成，等待市委依法治市办销号。如有佐证材料（照片、文件），现在直接发送即可归入此事项。"
RECT_NOTICE_REPORTED = "{unit}报告{item}整改完成：{note}"
RECT_CLOSE = "销号"
RECT_RETURN = "退回"
RECT_CLOSED = "已销号：{unit}{item}。"
RECT_NOTICE_CLOSED = "市委依法治市办已对{item}整改事项销号。"
RECT_ASK_COMMENT = "请填写退回意见："
RECT_RETURNED = "已退回：{unit}{item}。"
RECT_NOTICE_RETURNED = "{item}整改事项被退回，意见：{comment}。请继续整改后再次报告。"
RECT_NOT_REPORTED = "该事项当前状态为“{state}”，不能执行此操作。"
RECT_OVERDUE = "🔴"
RECT_SOON = "🟡"
RECT_OK = "⚪"
RECT_DONE = "✅"

ASM_RETURN = "退回修改"
ASM_ASK_COMMENT = "请填写退回{unit}{table}自评的修改意见："
ASM_RETURNED = "已退回{unit}的{table}自评。"
ASM_NOTICE_RETURNED = "市委依法治市办退回了本单位（{unit}）的{table}自评，意见：{comment}。请修改后重新提交（发送 /score 继续）。"
ASM_NOT_SUBMITTED = "该自评尚未提交。"

PROGRESS_TITLE = "{round}各单位自评进度："
PROGRESS_LINE = "{mark} {unit}·{table}：绑定{users}人，已答{answered}/{total}，{status}，自评{score}分"
PROGRESS_SUBMITTED = "已提交（{at}）"
PROGRESS_OPEN = "未提交"
PROGRESS_NOBODY = "尚无人加入"
PROGRESS_LINE_NOBODY = "{mark} {unit}·{table}：尚无人加入（请发送邀请）"
PROGRESS_NONE = "还没有单位开始自评。"
PROGRESS_LOWEST = "平均得分最低的任务："
PROGRESS_LOWEST_LINE = "· {table}第{no}项 {title}：平均{average}/{points}分（{units}个单位）"
PROGRESS_CHART = "进度图"
PROGRESS_XLSX = "进度表"

DIGEST_TITLE = "【每日督办提示】{date}"
DIGEST_UNSUBMITTED = "未提交自评的单位（{count}）：{units}"
DIGEST_UNJOINED = "尚无人绑定的单位（{count}）：{units}（请发送邀请）"
DIGEST_OVERDUE = "逾期整改事项（{count}）："
DIGEST_OVERDUE_LINE = "· {unit} {item}，时限{deadline}"
DIGEST_UNACKED_ITEM = "{name}（{count}个单位）"
DIGEST_NUDGE_NOTICE = "催办：{name}"
DIGEST_UNACKED = "未确认的通知：{items}"
DIGEST_ALL_CLEAR = "今日无逾期事项，各单位均已提交。"
DIGEST_NUDGE_UNSUBMITTED = "催办未提交单位"
DIGEST_NUDGE_UNIT = "催办{unit}"
NUDGE_UNSUBMITTED_TEXT = "【催办】贵单位自评尚未提交，请于{due}前完成并提交（发送 /score 继续）。"
NUDGE_OVERDUE_TEXT = "【催办】贵单位有{count}项整改事项已逾期：{items}。请尽快完成并报告（发送 /rectify 查看）。"
NUDGE_OVERDUE_ITEM = "第{no}项第{i}条（时限{deadline}）"
NUDGE_NOTHING_OWED = "{unit}已提交自评，且没有逾期的整改事项，无需催办。"
NUDGE_SENT = "已催办，共 {count} 人。"

REMINDER_PASSED = "以下提醒的发送时间在本次调整前已经过去，不会补发："
REMINDER_PASSED_HINT = "如需告知各单位，请用 /broadcast 发送通知（命令行：ducha broadcast send）。"
REMINDER_MISSED = "以下提醒因机器人停机未能按时发送（已超过{hours}小时或已过当天可发送的时间），请酌情人工通知："
REMINDER_MISSED_LINE = "· {due} {text}"
# A reminder occurrence as coordinators read it: 12月9日 09:00 截止前1天提醒·自查报告（附问题清单）
REMINDER_WHAT = "{due} {rule}·{name}"
# The digest's section and `ducha remind list`: reminders Telegram did not take.
DIGEST_REMINDERS = "未送达的提醒（请另行通知相关单位）："
DIGEST_REMINDER_LINE = "· {what}：{status}"
REMINDER_SENT = "已送达 {count} 人"
REMINDER_FAILED = "未送达 {count} 人（{units}）：{reasons}；提醒只在{until}前发送，不会迟发"
REMINDER_FAILED_REASON = "{reason} {count} 人"
REMINDER_UNKNOWN = "状态未知 {count} 人（{units}）：发送时连接中断，可能已收到，不会自动重发"
REMINDER_RETRYING = "等待重试 {count} 人（{units}）：暂时无法连接 Telegram，下次 {next}，最迟 {until}"
REMINDER_DROPPED = "无需再发 {count} 人（已提交或日期已改）"
REMIND_STATUS = "                  {status}"
AUDIT_EMPTY = "没有记录。"
REMIND_LINE = "{due}  {count:>4}人  {rule}  {text}"
REMIND_UNDATED = "（{phases}未设定日期，不会提醒）"
REMIND_NONE = "（没有待发送的提醒）"
RULE_PHASE_START = "阶段开始通知"
RULE_DEADLINE = "截止前{days}天提醒"
RULE_DEADLINE_DAY = "截止当天提醒"
AUDIT_BROADCAST = "{name} 对象：{audience}，{count}人"
AUDIT_BROADCAST_SEND = "{name} 对象：{audience}，{count}人，发送时间{at}"
AUDIT_BROADCAST_HOLD = "{name} 原定{due}发送，{now}因已过时暂缓，待协调员决定"
AUDIT_BROADCAST_RESEND = "{name} 向状态未知的 {count} 人重新发送"
SYSTEM_ACTOR = "系统"
AUDIT_LINE = "{at}  {actor}  {action}  {detail}"
# What each audited action is called in the log (an action not listed shows its key).
AUDIT_ACTIONS = {
    "refused": "操作被拒绝",
    "declined": "未予办理（按钮失效、日期有误等）",
    "calendar.set": "设定阶段日期",
    "calendar.shift": "整体调整日期",
    "round.start": "开始新一轮",
    "invite.create": "创建邀请码",
    "invite.use": "使用邀请码",
    "assessment.submit": "提交自评",
    "assessment.reopen": "重新开放自评",
    "assessment.return": "退回自评",
    "broadcast.create": "创建通知",
    "broadcast.send": "发送通知",
    "broadcast.hold": "暂缓过时通知",
    "broadcast.resend": "重新发送状态未知的通知",
    "rectification.close": "整改销号",
    "rectification.return": "退回整改",
    "group.create": "成立督察组",
    "group.assign": "分派督察组",
    "group.unassign": "撤回督察组分派",
    "inspection.submit": "提交督察记录",
    "inspection.reopen": "重新开放督察记录",
    "inspection.release": "发布督察反馈",
    "admin.withdrawn": "移除配置指定的协调员",
    "member.reactivate": "恢复停用的用户",
}
# Words of older audit details, said in Chinese when the log is shown.
AUDIT_TERMS = {"party": "党委表", "government": "政府表", "department": "市直部门", "coordinator": "协调员", "uses": "可用次数"}

# --- members and invites (/members, ducha members, ducha invite list|revoke) ---------------
MEMBERS_TITLE = "已绑定人员（共{count}人）："
MEMBERS_UNIT = "【{unit}】"
MEMBERS_LINE = "· {name}（用户ID {id}）{role}，{since}绑定{state}"
MEMBER_INACTIVE = "，已停用（可能已屏蔽机器人）"
MEMBERS_NONE = "目前还没有人绑定。请先用 ducha invite create 生成邀请码并发给各单位。"
MEMBERS_USAGE = (
    "用法：/members [单位] 查看人员；/members remove 用户ID 移除；"
    "/members move 用户ID 单位 [党委|政府|部门] 调整单位或身份；/members invites 查看邀请码；/members revoke 邀请码 作废邀请码。"
)
MEMBER_UNKNOWN = "没有找到用户ID为 {id} 的已绑定人员。"
MEMBER_IS_ADMIN = "用户ID {id} 由配置项 DUCHA_ADMIN_IDS 指定为协调员，请在配置中移除后再操作。"
MEMBER_BAD_UNIT = "没有名为“{unit}”的单位。可选单位：{known}。"
MEMBER_BAD_ROLE = "身份“{role}”不可用于单位人员，请选择：党委、政府或部门。"
MEMBER_REMOVED = "已移除 {name}（用户ID {id}，原属{unit}）。该用户已不能再为本单位打分或查看本单位材料。"
MEMBER_MOVED = "已将 {name} 调整为：{unit}，身份：{role}。"
INVITES_TITLE = "邀请码（共{count}个，最近的在前）："
INVITES_LINE = "· {code}　{unit}·{role}　已用{uses}/{max}次　有效期至{until}　{state}"
INVITES_NONE = "还没有生成过邀请码。"
INVITE_NO_EXPIRY = "不限"
INVITE_STATE_OPEN = "可用"
INVITE_STATE_USED_UP = "已用完"
INVITE_STATE_EXPIRED = "已过期"
INVITE_STATE_REVOKED = "已作废"
INVITE_NOT_FOUND = "没有找到邀请码 {code}。"
INVITE_REVOKED = "邀请码 {code}（{unit}）已作废，之后再用它绑定会被拒绝。"
HELP_COORD_MEMBERS = ("/members", "查看、调整或移除各单位已绑定人员，管理邀请码")

# --- a unit's files for coordinators (/files 华龙区 党委, the 文件和佐证材料 button) ------------------
ASM_FILES = "文件和佐证材料"
ASM_EVIDENCE = "{unit}·{table}的佐证材料共{count}份，随后逐一发送。"
ASM_NO_EVIDENCE = "{unit}·{table}暂无佐证材料。"
FILES_COORD_USAGE = "用法：/files 单位 党委|政府，例如 /files 华龙区 党委。"

# --- 整改报告 (the rectification phase's deliverable) ------------------------------------------
RR_STATE_OVERDUE = "已逾期（时限{deadline}）"
RR_FILENAME = "{unit}-{table}-整改报告-{date}.docx"
RR_CAPTION = "{unit}{table}整改报告（草稿，可下载修改后正式报送）"
RR_CAPTION_SUBMITTED = "{unit}{table}整改报告（{at}提交的版本）"
RR_FILE_BUTTON = "整改报告"
RR_SUBMIT_BUTTON = "提交整改报告"
RR_CONFIRM_BUTTON = "确认提交整改报告"
RR_NO_TABLE = "请先发送 /score 选择本单位参照的打分表。"
RR_ASK = "确认提交{unit}{table}的整改报告吗？共{total}项整改事项。{warn}提交后市委依法治市办将收到通知，整改报告提醒也将停止。"
RR_OWING_WARN = "其中仍有{count}项尚未完成，报告将如实列出。"
RR_ALREADY = "{unit}{table}的整改报告已经提交，无需重复提交。"
RR_SUBMITTED = "已提交{unit}{table}的整改报告，附件为提交的版本。"
RR_NOTICE = "{unit}已提交{table}整改报告（提交人：{name}）。可发送 /rectify {unit} 查看各事项。"

# --- taking back evidence sent by mistake ---------------------------------------------------
EVIDENCE_REMOVE_BUTTON = "撤回此文件"
EVIDENCE_REMOVED = "已撤回佐证材料“{name}”（第{no}项第{i}条）。"
EVIDENCE_GONE = "这份材料已经撤回或不存在。"
EVIDENCE_NOT_YOURS = "只有上传这份材料的同事或市委依法治市办可以撤回它。"
EVIDENCE_REMOVE_LOCKED = "本单位自评已提交，自评佐证材料不能再撤回；如需更正，请联系市委依法治市办重新开放。"
# --- Operating the bot: start-up, doctor, backups, health (read by whoever runs it) ---------
OPS_REJECTED_TOKEN_AT = "Bot API 服务器 {url} 拒绝了令牌或该地址不是 Bot API：请核对 TELEGRAM_BOT_TOKEN 和 TELEGRAM_API_BASE_URL。"
OPS_BAD_SERVER = "Bot API 服务器 {url} 的回答无法识别，请检查 TELEGRAM_API_BASE_URL 或代理设置。"
OPS_CONFLICT = "该令牌已被另一个正在运行的机器人使用（Telegram 报告冲突），请先停止另一个实例。"
OPS_FORBIDDEN = "Telegram 拒绝了请求（Forbidden），请检查机器人令牌和权限。"
OPS_BAD_PROXY = "TELEGRAM_PROXY 格式不正确，应形如 http://127.0.0.1:3128 或 socks5://127.0.0.1:1080。"
OPS_DB_UNAVAILABLE = "无法打开数据库（{error}），请检查 DATABASE_URL 和数据库服务。"
OPS_UNEXPECTED = "命令意外失败（{error}）。设置 DUCHA_DEBUG=1 后重试可查看详细信息。"
OPS_INTERRUPTED = "已中断。"
OPS_BAD_WEBHOOK_URL = "--webhook 需要公网 https 地址（反向代理的地址），例如 https://bot.example.gov.cn/telegram；收到的是“{url}”。"
OPS_BAD_PORT = "端口 {port} 不可用，应在 1–65535 之间。"
OPS_BAD_WEBHOOK_SECRET = "TELEGRAM_WEBHOOK_SECRET 只能包含字母、数字、下划线和连字符，长度 1–256。"
OPS_SECRET_UNWRITABLE = "无法保存 webhook 密钥到 {path}（{error}），请检查 DUCHA_DATA_DIR 的写权限，或设置 TELEGRAM_WEBHOOK_SECRET。"
OPS_INSTANCE_RUNNING = "另一个机器人实例正在使用该令牌（主机 {host}，进程 {pid}，自 {since} 起），本实例不启动。如确认它已停止，请在 {until} 后重试。"
OPS_LEASE_LOST = "运行权已被另一个实例接管，本实例停止。"
OPS_PORT_IN_USE = "端口 {port} 已被占用（{error}），请换一个端口或停止占用它的程序。"
OPS_STARTED_POLLING = "机器人已启动（长轮询），按 Ctrl-C 停止。"
OPS_STARTED_WEBHOOK = "机器人已启动（webhook：{url}，本地监听 {listen}:{port}），按 Ctrl-C 停止。"
OPS_HEALTH_ON = "健康检查与指标：http://{host}:{port}/healthz 、/metrics"
OPS_BACKUP_MEMORY = "内存数据库无法备份，请用 DATABASE_URL 指定数据库文件。"
OPS_PG_TOOL_MISSING = "找不到 {tool}：请安装 PostgreSQL 客户端（Debian/Ubuntu：apt-get install postgresql-client）。"
OPS_PG_TOOL_FAILED = "{tool} 执行失败：{error}"
OPS_BACKUP_UNREADABLE = "无法读取备份文件 {path}（{error}）。"
OPS_BACKUP_UNKNOWN = "{path} 不是 ducha 的备份文件（既不是 SQLite 数据库，也不是 pg_dump 导出）。"
OPS_BACKUP_WRONG_KIND = "备份文件是 {kind} 的，当前数据库是 {dialect}，不能直接恢复。"
OPS_BACKUP_CORRUPT = "备份文件 {path} 已损坏（完整性检查未通过），未做任何改动。"
OPS_RESTORE_NOT_EMPTY = "当前数据库已有数据，恢复会覆盖全部内容；确认无误请加 --force 重试（建议先用 ducha backup 另存一份）。"
OPS_RESTORE_BOT_RUNNING = "机器人正在运行（主机 {host}，进程 {pid}），请先停止它再恢复。"
OPS_BACKUP_DONE = "已备份到 {path}（{size}）：{summary}"
OPS_RESTORE_DONE = "已从 {path} 恢复：{summary}"
OPS_BACKUP_SUMMARY = "绑定用户 {people} 人，自评 {assessments} 份，答复 {answers} 条，佐证材料 {evidence} 份，整改状态 {rectification} 条，通知 {broadcasts} 条"
DOCTOR_CONFIG = "配置"
DOCTOR_RUBRIC_BAD = "数据文件有误：{error}"
DOCTOR_CONFIG_OK = "数据文件通过校验（{tasks}项任务，版本 {version}），管理员 {admins} 人"
DOCTOR_NO_ADMINS = "；DUCHA_ADMIN_IDS 未设置，还没有协调员（可用 ducha invite create --role coordinator 邀请）"
DOCTOR_TOKEN = "机器人令牌"
DOCTOR_TOKEN_OK = "令牌有效，机器人 @{username}（编号 {id}），经 {where}{via}连接正常"
DOCTOR_VIA_PROXY = "（经代理）"
DOCTOR_DATABASE = "数据库"
DOCTOR_DB_OK = "{url} 可以连接，结构为最新版本 {revision}"
DOCTOR_DB_NEW = "{url} 尚未建立，ducha run 或 ducha db upgrade 首次运行时会自动建立"
DOCTOR_DB_BEHIND = "{url} 结构为旧版本 {current}（最新 {head}），ducha run 启动时会自动升级，也可先运行 ducha db upgrade"
DOCTOR_DB_AHEAD = "{url} 结构版本 {current} 比本程序（{head}）更新，请升级程序后再运行"
DOCTOR_DB_DOWN = "无法连接 {url}（{error}），请检查 DATABASE_URL 和数据库服务"
DOCTOR_BACKUP_TOOL = "备份工具"
DOCTOR_CALENDAR = "本轮日历"
DOCTOR_CAL_BACKWARDS = "“{phase}”的开始日期 {start} 晚于结束日期 {end}，请用 ducha campaign set 更正"
DOCTOR_CAL_ORDER = "“{second}”从 {start} 开始，早于上一阶段“{first}”的结束日期 {end}，阶段顺序不对，请用 ducha campaign set 更正"
DOCTOR_CAL_EMPTY = "各阶段都没有日期，提醒不会发送，请用 ducha campaign set 设定本轮日期"
DOCTOR_CAL_OLD = "日历仍是 {years} 年的日期（今年是 {year} 年），提醒不会按本轮发送，请用 ducha campaign set 设定本轮日期"
DOCTOR_CAL_OK = "{name}：{phases}个阶段有日期，{first} 至 {last}，顺序正确"
DOCTOR_FONT = "中文字体"
DOCTOR_FONT_OK = "已找到 {font}，进度图用中文标注"
DOCTOR_FONT_MISSING = "未找到中文字体，进度图将改用英文代号和图例标注（Debian/Ubuntu：apt-get install fonts-wqy-microhei）"
DOCTOR_FOLDER = "数据文件夹"
DOCTOR_FOLDER_OK = "{path} 可写，剩余空间 {free} GB"
DOCTOR_FOLDER_BAD = "{path} 不可写（{error}），请检查 DUCHA_DATA_DIR 和目录权限"
DOCTOR_SUMMARY_OK = "检查完毕：全部正常。"
DOCTOR_SUMMARY_WARN = "检查完毕：可以运行，但有 {warn} 项需要留意。"
DOCTOR_SUMMARY_FAIL = "检查完毕：{fail} 项未通过，请按上面的提示处理后再启动机器人。"
BC_SOURCE_TOO_LONG = "通知的 HTML 过长（{length}字符，上限{limit}），请精简格式或分多条发送。"

# A notice's HTML, checked by Telegram's rules before it is sent (bot/common/telegram_html.py).
HTML_WHERE = "在“{excerpt}”处，"
HTML_WHERE_LINE = "第{line}行“{excerpt}”处，"
HTML_UNKNOWN_TAG = "Telegram 不支持标签 {tag}"
HTML_HINT_BREAK = "（换行请直接回车，不用 <br> 或 <p>）"
HTML_UNKNOWN_ATTRIBUTE = "标签 <{tag}> 不能带属性 {attribute}"
HTML_REPEATED_ATTRIBUTE = "标签 {tag} 的属性重复"
HTML_SELF_CLOSING = "Telegram 不支持自闭合标签 {tag}，请写成开始和结束两个标签"
HTML_UNOPENED = "结束标签 </{tag}> 没有对应的开始标签"
HTML_CROSSED = "结束标签 </{tag}> 出现在 <{inner}> 闭合之前，标签不能交叉，请先写 </{inner}>"
HTML_UNCLOSED = "标签 <{tag}> 没有闭合，请在适当位置加上 </{tag}>"
HTML_INSIDE_CODE = "<{parent}> 里不能再放其他标签（发现 {tag}）"
HTML_LANGUAGE_OUTSIDE_PRE = "只有放在 <pre> 里的 <code> 才能写 class=\"language-…\"（指定代码语言）"
HTML_LINK_IN_LINK = "链接里不能再放链接"
HTML_QUOTE_IN_QUOTE = "引用 <blockquote> 里不能再放引用"
HTML_INSIDE_LINK = "链接里不能放 {tag}"
HTML_LINK_NO_HREF = "链接 <a> 缺少 href（网址），应写成 <a href=\"https://…\">文字</a>"
HTML_LINK_SCHEME = "链接“{href}”不可用：只能链接 http://、https:// 或 tg:// 开头的地址，请写完整网址"
HTML_SPAN_CLASS = "<span> 只能写成 <span class=\"tg-spoiler\">（隐藏内容），其他 span 不支持"
HTML_EMOJI_ID = "<tg-emoji> 必须带数字的 emoji-id，如 <tg-emoji emoji-id=\"5368324170671202286\">👍</tg-emoji>"
HTML_EMOJI_EMPTY = "<tg-emoji> 里要有一个普通表情（无法显示自定义表情时用它代替）"
HTML_CODE_CLASS = "<code> 的 class 只能是 language-语言名，如 class=\"language-python\""
HTML_EXPANDABLE = "<blockquote> 只能带 expandable（可展开），不带值"
HTML_BARE_AMP = "“&”需要写成 &amp;"
HTML_BARE_LT = "“<”不是标签的一部分，需要写成 &lt;"
HTML_BAD_ENTITY = "Telegram 不认识 {entity}，只支持 &lt; &gt; &amp; &quot; 和数字形式（如 &#160;）"
HTML_COMMENT = "Telegram 不支持 HTML 注释或声明（<!-- … --> 、<!DOCTYPE …>），请删去"

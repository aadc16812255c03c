"""What typed text at a scoring prompt is, before it is taken as the answer.

Officials type at a prompt what they would say to a colleague: "跳过" or "无" when they have
nothing to write, "清空" to take back what was written, a question about the rubric when they
are unsure ("这一条的未制定是指什么"), and at the deadline "长期坚持" or "立行立改", which are
plans without a date. Everything here is a pure function over strings, so it can be tested on
its own; bot/scoring/conversation.py decides what each reading does.
"""

from __future__ import annotations

import re

from bot.qa.query import clean

# Punctuation, spaces and particles that change nothing in a short reply ("无。", "跳过吧").
_NOISE = re.compile(r"[\s，。！!、；;：:~～…\"“”'‘’()（）【】\[\].,]|了|吧|啊|呀|哦|哈|嘛")

# "Nothing to write here": the field is left as it is.
_SKIP = re.compile(
    r"(?:先|暂时|暂)?(?:跳过|略过|略|下一[个项条步]|pass|skip)(?:此项|这项|这一?[项条]|本项)?"
    r"|(?:暂|暂时|目前|现在|还|尚)?(?:无|没有|没|暂无|尚无|不详|待定|未定|未确定)(?:此项|内容|可填|可写|问题|措施)?"
    r"|(?:先|暂|暂时)?不(?:填|填写|写|需要|用填|用写|需填写)|无需(?:填写)?|不需要(?:填写)?"
    r"|空|-+|—+|/|／|n/?a|none|null|nil",
    re.I,
)

# "Enough for now": the conversation is paused, as with the 暂停 button (shown only at a level).
_PAUSE = re.compile(
    r"(?:先|暂且)?(?:暂停|停一下|停下|退出|结束)(?:一下|自评|打分)?"
    r"|(?:稍后|以后|回头|明天|晚点|改天|下午|有空)再(?:填|写|打|评|弄|说)"
    r"|(?:今天)?先?(?:到这里|到这儿|到这)"
)


def is_pause(text: str) -> bool:
    """暂停, 先不填了, 稍后再填, 今天先到这里: stop here and keep everything."""
    bare = _bare(text)
    return bool(bare) and _PAUSE.fullmatch(bare) is not None


# "Take back what I wrote": the field is emptied.
_CLEAR = re.compile(r"(?:清空|删除|删掉|清除|去掉)(?:内容|原内容|这一?项|此项)?")

# Questions: a question mark, a question particle at the end, a request to ask, or a phrase
# that only a question uses. These decide on their own.
_QUESTION_MARK = re.compile(r"[?？]")
_ASKING = re.compile(r"^(?:请问|问一下|问下|想问|我想问|咨询一下|请教|麻烦问)")
_PARTICLE_END = re.compile(r"(?:吗|么|嘛)$")
_QUESTION_PHRASE = re.compile(
    r"是指什么|指什么|指的是|什么意思|啥意思|是什么|是啥|怎么办|怎么填|怎么写|怎么算|怎么理解|如何填|如何写|如何理解"
    r"|填什么|写什么|填啥|写啥|填谁|写谁|填哪|写哪|要不要|需不需要|用不用|可不可以|能不能|是不是|有没有|行不行"
)
# 算不算, 对不对, 有没有: a verb asked both ways.
_A_NOT_A = re.compile(r"(\w)[不没]\1")
# Interrogative words: a question when the reply is short and nothing embeds them in a
# statement ("尚未明确由谁负责", "研究如何推进", the slogan "谁执法谁普法").
_INTERROGATIVE = re.compile(
    r"什么|啥|怎么|怎样|如何|为什么|为何|哪些|哪个|哪里|哪儿|哪天|哪条|哪项|哪一|谁|多少|几[个条项天号月次分日]"
    r"|(?:写|填|要|得|需要)多(?:详细|具体|细|长|久)"  # 要写多详细, 写多长: how much to write
)
_EMBEDDED = re.compile(
    r"(?:明确|确定|规定|界定|划分|研究|探索|讨论|谋划|思考|分析|了解|掌握|清楚|知道|不论|无论|不管|落实|说明|解决)"
)
_SLOGAN = re.compile(r"谁\w{1,3}谁")
_SHORT = 30  # characters: a question typed at a prompt is short; a measure may be long


def _bare(text: str) -> str:
    return _NOISE.sub("", clean(text)).lower()


def is_skip(text: str) -> bool:
    """跳过, 无, 没有, 暂无, 不填, 待定 and the like: nothing to write for this field."""
    bare = _bare(text)
    return bool(bare) and _SKIP.fullmatch(bare) is not None


def is_clear(text: str) -> bool:
    """清空, 删除: remove what this field holds."""
    bare = _bare(text)
    return bool(bare) and _CLEAR.fullmatch(bare) is not None


def reads_as_question(text: str) -> bool:
    """Whether typed text asks something (of the rubric or of the bot) rather than answers.

    A question mark, 请问…, …吗 or a phrase such as 是指什么 / 怎么填 is always a question. A bare
    interrogative (什么, 谁, 如何, 哪天 …) makes a short reply a question unless a statement
    embeds it: "尚未明确由谁负责", "研究如何推进", "谁执法谁普法".
    """
    s = clean(text)
    if not s:
        return False
    if _QUESTION_MARK.search(s):
        return True
    s = re.sub(r"[\s。.!！…~～]+$", "", s)
    if _ASKING.match(s) or _QUESTION_PHRASE.search(s) or _A_NOT_A.search(s):
        return True
    if _PARTICLE_END.search(s) and not s.endswith(("什么", "怎么", "那么", "这么")) or s.endswith(("是什么", "为什么")):
        return True
    if len(s) > _SHORT:
        return False
    plain = _SLOGAN.sub("", s)
    for m in _INTERROGATIVE.finditer(plain):
        if not _EMBEDDED.search(plain[: m.start()]):
            return True
    return False


# Plans without a date, as officials write them at 完成时限.
_ONGOING = re.compile(
    r"^(?:长期坚持|长期推进|长期开展|长期有效|长期|持续推进|持续整改|持续开展|持续抓好|持续|常态化(?:推进|开展|落实)?"
    r"|立行立改|立查立改|即知即改|立改立行|立即整改|马上整改|立即|马上|已整改完成|已整改到位|已整改|已完成|已落实|已到位)"
)


def ongoing_deadline(text: str) -> str | None:
    """长期坚持, 立行立改, 持续推进 …: the deadline as typed (trimmed), when it is such a plan."""
    s = clean(text)
    bare = re.sub(r"^[\s，。、:：]+", "", s)
    return bare[:50] if _ONGOING.match(bare) else None


# "How is our unit doing": a question about the asker's own unit's score, not about the rubric.
_OWN = re.compile(r"我们|我单位|本单位|咱们|咱单位|我县|我区|本县|本区|我局|本局|我们县|我们区")
_SCORE_WORDS = re.compile(r"扣分|扣了|失分|丢分|丢了|没得分|不得分|得分|得了|多少分|几分|总分|分数|打分情况|自评情况|自评结果|汇总")


def asks_own_score(text: str) -> bool:
    """我们单位还有哪些扣分, 本单位得了多少分, 咱们的扣分项: the asker's own unit's score (/summary)."""
    s = clean(text)
    return bool(_OWN.search(s) and _SCORE_WORDS.search(s)) and len(s) <= 40


# "This one": a question about the criterion on screen, which names no task of its own.
_HERE = re.compile(r"这一?[条项个]|本[条项]|此[条项]|这里|这儿|该[条项]|上面")
_NAMES_TASK = re.compile(r"第\s*[\d一二三四五六七八九十百]+\s*[项条]")


def refers_here(text: str) -> bool:
    """这一条的未制定是指什么: the question is about the criterion being scored."""
    s = clean(text)
    return bool(_HERE.search(s)) and not _NAMES_TASK.search(s)


_YEAR = re.compile(r"\d{4}|[〇零一二三四五六七八九]{4}|明年|来年|下一?年|后年|今年|本年")
_MONTH_DAY = re.compile(r"[\d一二三四五六七八九十]+月|(?<![\d.])\d{1,2}[./]\d{1,2}(?![\d.])")


def year_left_out(text: str) -> bool:
    """12月1日, 3月底, 1.10: a month named without its year (2027-01-31, 明年3月 say it)."""
    s = clean(text)
    return bool(_MONTH_DAY.search(s)) and not _YEAR.search(s)

"""Rules of the genre: how Chinese policy documents number, date and phrase things.

These are facts about 指导意见, 实施意见, 通知, 办法 and their kin, not about any one document
and not about the domain (no department, region or industry names live here: those come from
the ontology through the lexicon). Patterns run on the normalised view of the text
(:mod:`loaders.normalize`), where full-width digits and letters are ASCII, parentheses and
sentence punctuation are full-width, and spaces inside Chinese text are gone.
"""

from __future__ import annotations

import re

# --- numerals ---------------------------------------------------------------------------

CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
             "七": 7, "八": 8, "九": 9}
CN_NUMERAL = "[一二三四五六七八九十百零〇两]"


def cn_number(text: str) -> int | None:
    """The value of a Chinese numeral (一 … 九十九, 一百 …) or of ASCII digits; None if neither.

    Args:
        text: the numeral as written, e.g. "十二" or "12".

    Returns:
        The integer, or None when ``text`` is not a numeral.
    """
    if text.isdigit():
        return int(text)
    if not text or any(c not in CN_DIGITS and c not in "十百" for c in text):
        return None
    total, current = 0, 0
    for char in text:
        if char == "百":
            total += (current or 1) * 100
            current = 0
        elif char == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = current * 10 + CN_DIGITS[char] if current else CN_DIGITS[char]
    return total + current


# --- headings ---------------------------------------------------------------------------

# Top level: 一、总体要求 / 第一章 总则 / 第一部分 …
SECTION_RE = re.compile(rf"^(?P<num>{CN_NUMERAL}{{1,3}})、(?P<rest>.*)$")
CHAPTER_RE = re.compile(rf"^第(?P<num>{CN_NUMERAL}{{1,3}}|\d{{1,2}})(?:章|部分|篇)(?P<rest>.*)$")
# Nested levels: （一） / 第一条 / 1. / （1）
SUB_PAREN_CN_RE = re.compile(rf"^（(?P<num>{CN_NUMERAL}{{1,3}})）(?P<rest>.*)$")
ARTICLE_RE = re.compile(rf"^第(?P<num>{CN_NUMERAL}{{1,4}}|\d{{1,3}})条(?P<rest>.*)$")
SUB_DIGIT_RE = re.compile(r"^(?P<num>\d{1,2})(?:\.(?!\d)|、)(?P<rest>.*)$")
SUB_PAREN_DIGIT_RE = re.compile(r"^（(?P<num>\d{1,2})）(?P<rest>.*)$")

# A lead-in title of a nested item ("（一）指导思想。…") is short; longer first sentences are text.
MAX_ITEM_TITLE = 24
MAX_SECTION_TITLE = 40

# --- header -----------------------------------------------------------------------------

# 文号: 工信部联政法〔2021〕215号, 国发〔2010〕28号, 发改地区〔2023〕729号 …
DOC_NUMBER_RE = re.compile(
    r"(?P<prefix>[\u4e00-\u9fff]{1,12})\s*[〔［\[【（(]\s*(?P<year>(?:19|20)\d{2})\s*[〕］\]】）)]"
    r"\s*(?P<serial>\d{1,5})\s*号"
)
# Words a title of the genre ends with (optionally followed by （试行） etc.).
TITLE_END_RE = re.compile(
    r"(?:意见|通知|办法|方案|规划|决定|规定|指南|计划|纲要|公告|通告|批复|细则|措施|条例|要点|"
    r"的函|纪要|目录|清单|指引|标准)(?:（(?:试行|暂行|修订|征求意见稿)）)?$"
)
TITLE_QUOTED_RE = re.compile(r"《(?P<title>[^《》]{4,80})》")
PREFACE_HEAD_RE = re.compile(r"^(?:导读|导语|编者按|摘要|内容提要)(?:：|$)")
# 主送: a header line ending with a colon that addresses someone.
ADDRESSEE_HINT_RE = re.compile(r"^各|人民政府|部门|单位|委|厅|局|分行|海关|兵团|机构")
DATE_RE = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日"
)
CN_DATE_RE = re.compile(
    r"(?P<y>[〇零一二三四五六七八九]{4})\s*年\s*(?P<m>[一二三四五六七八九十]{1,2})\s*月\s*"
    r"(?P<d>[一二三四五六七八九十]{1,3})\s*日"
)
ISO_DATE_RE = re.compile(r"(?P<y>(?:19|20)\d{2})[-./](?P<m>\d{1,2})[-./](?P<d>\d{1,2})")
DATE_LABEL_RE = re.compile(r"(?:发布|成文|印发|公布|发文)(?:日期|时间)：?")
COUNT_OF_ISSUERS_RE = re.compile(
    rf"等(?P<n>{CN_NUMERAL}{{1,3}}|\d{{1,2}})(?:个)?(?:部门|部委|单位)"
)
# A header list of issuers ends in words like these ("…等十部门联合印发").
ISSUE_VERB_RE = re.compile(
    r"^(?:等\S{0,4}?(?:部门|部委|单位))?(?:近日|日前|今日)?(?:联合)?"
    r"(?:印发|发布|制定|出台|下发)"
)
SIGNATURE_SEPARATORS = " \u3000、，"
# A line of issuers' names ends with an organ's name (…部, …委, …总局, …人民银行, …办公厅): a
# title wrapped after the issuers continues on the next line with 关于.
ISSUER_LINE_END_RE = re.compile(r"(?:部|委|委员会|局|署|银行|院|办公厅|办公室|人民政府)$")
# A department's general office issues notices in its name (国家发展改革委办公厅).
OFFICE_SUFFIX_RE = re.compile(r"(?:办公厅|办公室)")
ATTACHMENT_RE = re.compile(r"^附件\s*\d*[：:]?")
PUBLIC_NOTE_RE = re.compile(r"^（此件(?:公开发布|发至|不公开)[^）]*）$")

# --- sentences and measures -------------------------------------------------------------

SENTENCE_END = "。！？"
CLOSERS = "”’」』）》"
CLAUSE_SEP = "；"
# Verbs that open a commitment, longest first where one contains another (建立健全 before 建立).
POLICY_VERBS: tuple[str, ...] = (
    "建立健全", "积极稳妥", "发展壮大", "引导", "支持", "鼓励", "推动", "推进", "促进", "严格",
    "遏制", "加快", "加强", "强化", "完善", "健全", "建立", "建设", "构建", "发挥", "深化", "优化",
    "提升", "提高", "探索", "实施", "落实", "培育", "打造", "创新", "创建", "开展", "加大", "扩大",
    "降低", "推广", "规范", "保障", "统筹", "坚持", "巩固", "拓展", "承接", "疏解", "修订", "制定",
    "制订", "出台", "研究", "遴选", "举办", "设立", "组织", "搭建", "实行", "严禁", "禁止", "限制",
    "淘汰", "整合", "清理", "取消", "简化", "放宽", "引进", "吸引", "给予", "安排", "负责", "牵头",
    "聚焦", "着力", "防止", "避免", "严控", "控制", "调整", "改善", "营造", "增强", "壮大", "谋划",
    "编制", "用好", "做好", "抓好", "贯彻", "细化", "压实", "推行", "引入", "培养", "保护", "治理",
    "监管", "督促", "指导", "协调", "配合", "参与", "依法", "打击", "减轻", "减免", "免征", "补贴",
    "奖励", "资助", "贴息", "对接", "共建", "开放", "放开", "允许", "发展", "深入", "加速", "确保",
    "防范", "化解", "夯实", "延伸", "整治", "布局", "扶持", "帮扶", "倾斜", "投入", "共享", "畅通",
    "释放", "激发", "简政", "精简", "下放", "衔接", "申报", "认定", "评估", "考核", "监测", "公布",
    "遏止", "压减", "退出", "关停", "核准", "备案", "审批", "批复", "执行", "推行",
)
MODALS_RE = re.compile(r"要|应当|应|须|必须|不得|严禁|禁止|可以|可")
# Clauses that introduce a list or define a term are not commitments themselves.
LEAD_IN_RE = re.compile(r"(?:以下|如下)[^，；。]{0,12}：$")
DEFINITION_RE = re.compile(r"是指|所称|所指|本(?:办法|意见|方案|规定|通知|细则)(?:自|由)")
# A statement of what something is ("推动制造业有序转移，是…的重要途径") commits no one.
STATEMENT_RE = re.compile(
    r"是[^，；。]{0,40}(?:途径|要求|需要|举措|任务|关键|基础|保障|手段|路径|方向|内容|抓手|"
    r"支撑|动力|引擎|部分|体现|选择|战略)"
)
# A purpose statement ("为…，制定本办法。", "…，现提出以下意见") says why the text exists.
PURPOSE_RE = re.compile(
    r"^为[^。]*?(?:制定|提出|印发|出台)(?:本|以下|如下|此)"
    r"|(?:特|现)(?:制定|提出)(?:本|以下|如下)"
)
# Adverbial openings skipped before looking for the leading verb.
OPENING_PHRASES_RE = re.compile(
    r"^(?:(?:通过|按照|依据|根据|围绕|结合|针对|对于?|在|以|依托|利用|借助|基于|面向|鼓励[^，]{0,4}通过)"
    r"[^，；。]{0,60}?(?:方式|形式|途径|基础上|条件下|前提下|为重点|为主要载体|为中心|为主线|为导向|"
    r"为引领|为核心|为依托|为抓手|为目标|的企业|中|下|上|内|的|)，)+"
)

# --- targets ----------------------------------------------------------------------------

TARGET_RE = re.compile(r"(?:到|至|于|在)(?P<year>(?:19|20)\d{2})\s*年(?:底|末|前|左右|)")
PLAN_PERIOD_RE = re.compile(r"(?:到|至)“?(?P<plan>十[一二三四五六七八九]五)”?(?:时期)?(?:末|期末)")
PLAN_PERIOD_END = {"十一五": 2010, "十二五": 2015, "十三五": 2020, "十四五": 2025, "十五五": 2030,
                   "十六五": 2035}
TARGET_OPENING_RE = re.compile(r"^(?:力争|争取|计划|预计)?(?:到|至)")

# --- transfer ---------------------------------------------------------------------------

TRANSFER_TO_RE = re.compile(r"向(?P<span>[^，；。：]{1,60}?)(?:进行)?(?:整体性)?(?:梯度|有序|加快)?"
                            r"(?:转移|集聚|聚集|迁移|搬迁|转出|疏解)")
TRANSFER_FROM_RE = re.compile(
    r"(?:从|由)(?P<span>[^，；。：向]{1,40}?)(?:向|转移|迁移|搬迁|转出|疏解)"
)
UNDERTAKE_RE = re.compile(
    r"承接(?P<span>[^，；。：]{0,40}?)(?:产业|加工贸易|功能)?(?:梯度)?(?:转移|疏解)"
)
RELIEVE_RE = re.compile(r"疏解(?P<span>[^，；。：]{1,40})")
MOVE_TO_RE = re.compile(r"(?:转移|迁移|搬迁)(?:到|至)(?P<span>[^，；。：]{1,40})")

# --- discovery --------------------------------------------------------------------------

# Heads of noun phrases that name a policy instrument, longest first.
INSTRUMENT_HEADS: tuple[str, ...] = (
    "项目库", "示范区", "示范基地", "示范园区", "试验区", "合作区", "开发区", "保税区", "产业园",
    "集聚区", "服务体系", "融资租赁", "基金", "平台", "目录", "清单", "名单", "制度", "机制",
    "试点", "园区", "融资", "指数", "计划", "工程", "专项", "补贴", "补助", "奖补", "贴息", "担保",
    "保险", "贷款", "信贷", "债券", "行动", "联盟", "互认", "规划",
    # titles the state confers on a city or a firm (服务外包示范城市, 服务型制造示范企业)
    "示范城市", "示范企业",
    # named rules of administration: a system named "…制" after the duty it sets
    # (告知承诺制, 全员聘任制, 目标责任制, 首问负责制, 链长制)
    "承诺制", "聘任制", "责任制", "负责制", "链长制",
    # systems of standards and indicators and the rules that apply them (…标准体系,
    # …评价指标体系, …考核评价办法); 体系 alone is too general (产业体系, 创新体系)
    "标准体系", "指标体系", "评价体系", "评价办法", "管理办法", "考核办法",
    # centres and bases of a kind (工业设计中心, 骨干冷链物流基地): only with a long
    # modifier, see HEAD_MIN_MODIFIER
    "中心", "基地",
)
# Heads that also end ordinary nouns (结算中心, 生产基地, 研发中心): a discovered name needs a
# modifier at least this long before them.
HEAD_MIN_MODIFIER: dict[str, int] = {"中心": 4, "基地": 4}
# An English abbreviation in parentheses right after a name is part of it (…信托基金（REITs）).
LATIN_ABBREVIATION_RE = re.compile(r"（[A-Za-z][A-Za-z0-9&-]{1,11}）")
# Separators of coordinated modifiers that share one head (统计分成和税收分享制度, 产值分计、
# 税收分成机制): the first modifier belongs to the name.
COORDINATORS = "和及与、"
MAX_COORDINATED_MODIFIER = 10
# A first conjunct of one word (产值、税收分享机制) is a noun that shares the second modifier's
# verb, not a modifier of its own: it stays outside the name. Two words (产值分计) join.
MIN_COORDINATED_MODIFIER = 4
# An instrument head followed by one of these is part of another noun (保险机构, 工程机械 …).
NOT_AFTER_INSTRUMENT = ("机构", "公司", "企业", "机械", "行业", "人员", "主体", "需求", "规模",
                        "能力", "水平", "作用", "功能", "指标")
# Verb-object compounds that the genre uses as modifiers ("承接产业转移示范区"): a verb inside
# one does not end a noun phrase.
COMPOUND_MODIFIERS: tuple[str, ...] = ("承接产业转移", "承接产业", "招商引资", "成果转化",
                                       "转移转化", "创新创业", "对外开放", "节能降碳",
                                       # 发展 made a noun by its adverb (县域经济高质量发展综合
                                       # 评价体系, 服务贸易创新发展试点)
                                       "高质量发展", "创新发展")
# Heads of noun phrases that name an industry class.
INDUSTRY_HEADS: tuple[str, ...] = ("制造业", "服务业", "产业", "行业", "加工")
# Heads that name a sector even alone (服务业 = the service sector), unlike 产业/行业.
SECTOR_HEADS: tuple[str, ...] = ("服务业", "制造业")
# What closes a list of industries, after its 等: a short phrase that ends in a word for a
# class of industry ("…等传统特色产业", "…等特色农业", "…等智能制造装备", "…等产业转移").
LIST_CLOSER_RE = re.compile(
    r"[\u4e00-\u9fff]{0,6}?(?:产业链|产业集群|产业|行业|服务业|制造业|农业|工业|装备)"
)
LIST_SEPARATORS = "、和及与"
MAX_LIST_ITEM = 8
# Adjectives that narrow a class of industry: with a known class right after, the phrase
# names that class (传统 + 特色产业, 优势 + 特色产业).
CLASS_MODIFIERS: tuple[str, ...] = ("战略性", "传统", "新兴", "优势", "特色", "现代", "高端",
                                    "先进", "绿色", "智能", "数字", "未来")
# Nouns that name a segment of a known class after it (新能源汽车 + 零部件, 锂电 + 材料).
INDUSTRY_SUFFIXES: tuple[str, ...] = ("零部件", "元器件", "材料", "装备", "设备", "器件",
                                      # the class word itself (新兴消费品 + 产业)
                                      "产业", "行业")
# Endings of a list member that name a sector though the lexicon does not know it (冰雪装备,
# 精密仪器): a list closed by 等 needs one such member (or a known one) to be read as industries.
SECTOR_ENDINGS: tuple[str, ...] = ("零部件", "元器件", "材料", "装备", "设备", "器件", "产品",
                                   "机械", "器械", "仪器", "制造", "加工", "产业", "行业", "工业",
                                   "食品", "医药", "能源", "电池", "服装")
# A policy named after a tool is the tool (职业培训补贴 + 政策).
POLICY_SUFFIX = "政策"
# Heads of known instruments that a class of industry may narrow (特色产业 + 产业园区).
PARK_HEADS: tuple[str, ...] = ("园区",)
# Verbs that live inside instrument names and govern nothing there (要素保障协调机制,
# 劳务对接机制, 发展评价机制 …): a discovered name is not cut after them.
NAME_INTERNAL_VERBS: frozenset[str] = frozenset({
    "协调", "对接", "保障", "评估", "监测", "考核", "认定", "审批", "共享", "治理", "监管",
    "备案", "核准",
})
# A term the text coins in quotation marks: with a head word it names an instrument (quotes
# included: “拿地即开工”审批模式); listed as an example of measures, products or ways
# (“提前申报”等便利化措施) it is one by itself.
QUOTED_TERM_RE = re.compile(
    r"“(?P<term>[^“”，。；、：]{2,12})”(?:(?P<head>[\u4e00-\u9fff]{0,4}?"
    r"(?:模式|机制|工程|改革|开发|试点|行动|计划))"
    r"|(?=等[\u4e00-\u9fff]{0,6}?(?:措施|方式|产品|做法|举措|模式|机制)))"
)
# Modifiers that make a phrase generic rather than a class of its own (相关产业, 该行业 …).
GENERIC_MODIFIERS: frozenset[str] = frozenset({
    "相关", "有关", "关联", "其他", "其它", "各类", "各种", "上述", "这些", "所有", "本地", "当地",
    "国内", "国外", "国际", "全国", "地方", "区域", "区域性", "重点", "主要", "一般", "该", "本",
    "各", "其", "更多", "一批", "部分", "同类", "不同", "多个", "一些", "大型", "新型", "转移",
    "承接", "配套", "整体", "全部", "这类", "此类", "各地", "各行", "优质", "国家", "省级", "市级",
    "县级", "地区", "有条件", "具备条件", "符合条件", "合作", "共建", "资源", "要素", "政策",
    "就地", "就近", "深", "精深", "初", "集中", "统一", "进一步", "本地区", "各地区",
})
# Characters that cannot begin a discovered phrase (function words and particles).
PHRASE_BREAKERS = set("的和与及或等在向对把将为以从于了是有各其该这那之并而且个"
                      "、，；。：“”《》（）")
# Function words that end a member of a list (…企业将|冰雪装备); fewer than PHRASE_BREAKERS,
# whose 有, 对, 以 … also begin sector names (有机硅, 有色金属).
ITEM_BREAKERS = set("的将把向从于了是各该这那之并而且个")
# A modifier ending in one of these is generic too (带动关联产业, 重点行业 …).
GENERIC_ENDINGS: tuple[str, ...] = ("相关", "有关", "关联", "其他", "其它", "上述", "这些", "所有",
                                    "本地", "当地", "转移", "承接", "配套", "重点", "主要", "一般",
                                    "同类", "各类", "部分", "主导")
# A head followed by one of these is a modifier of a larger word (产业转移, 平台建设 …), not a
# name: such occurrences are not phrase ends.
NOT_AFTER_HEAD = ("链", "集群", "转型", "贸易", "制造", "企业", "能力", "环节", "基础", "转移",
                  "布局", "体系", "结构", "升级", "协作", "分工",
                  "生态", "格局", "规模", "发展", "工人", "人才", "工作", "创新", "竞争", "能力",
                  "水平", "合作", "配套", "承接", "集聚", "园", "基地", "项目", "政策", "用地",
                  "投资", "领域", "门类", "组织", "协会", "功能", "作用", "建设", "管理", "运营",
                  "资金", "企业", "主管", "部门", "化", "类", "间", "内", "中")
# Verbs that, besides the policy verbs, take an industry as object ("带动关联产业", "满足产业…").
OBJECT_VERBS: tuple[str, ...] = ("满足", "带动", "做强", "做大", "做优", "引进", "聚集", "集聚",
                                 "振兴", "转型", "承载", "服务", "覆盖", "形成", "带领", "接续",
                                 "发行", "提供", "开发", "申请", "利用", "参加", "申报", "上市",
                                 "纳入", "列入", "依托", "享受", "适用", "争取", "获得", "入选",
                                 "运用", "考虑",
                                 # verbs of conformity, often negated (不符合|生态环境准入清单)
                                 "符合", "属于")
MIN_MODIFIER = 2
# Nouns that make a compound noun with the verb before them (综合发展水平, 服务能力, 创新成效):
# such a verb governs nothing and does not cut a name.
NOMINAL_AFTER_VERB: tuple[str, ...] = ("水平", "能力", "质量", "成效", "绩效", "状况", "潜力",
                                       "评价")
# A region type followed by one of these makes a noun that names live inside (县域经济发展
# 激励资金): the region does not stop a discovered name from reaching left.
REGION_NOUNS: tuple[str, ...] = ("经济",)
MAX_PHRASE = 24

"""The words and selectors of Chinese news pages, as data.

Everything the extractors recognise by its wording lives here, so a new site's boilerplate
is one more entry in a table, not another branch in the code. Patterns are general Chinese
news conventions (by-line labels, reporter roles, footer phrases), never one site's strings.
"""

from __future__ import annotations

import re

# Character classes shared by typography and extraction.
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff"
OPENING = "“‘（《〈【「『〔［｛"
CLOSING = "”’）》〉】」』〕］｝"
CJK_PUNCT = OPENING + CLOSING + "，。、；：！？…—·～\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"
# Sentence and clause punctuation: a line holding any of these is prose, not a heading or a link.
CLAUSE_PUNCT = "，。；！？,;!?"
SENTENCE_END = "。！？!?…"

# By-line labels: "label: value" fields of the line under a headline, and the field each fills.
BYLINE_LABELS: dict[str, str | None] = {
    "发布时间": "date",
    "发表时间": "date",
    "发布日期": "date",
    "发稿时间": "date",
    "时间": "date",
    "日期": "date",
    "稿件来源": "source",
    "文章来源": "source",
    "新闻来源": "source",
    "信息来源": "source",
    "来源": "source",
    "出处": "source",
    "作者": "authors",
    "撰文": "authors",
    "撰稿": "authors",
    "本报记者": "authors",
    "见习记者": "authors",
    "特约记者": "authors",
    "实习记者": "authors",
    "记者": "authors",
    "通讯员": "authors",
    "文": "authors",
    "责任编辑": "editor",
    "值班编辑": "editor",
    "责编": "editor",
    "编辑": "editor",
    "图": None,
    "摄影": None,
    "摄": None,
    "审核": None,
    "校对": None,
    "监制": None,
    "点击": None,
    "点击数": None,
    "浏览": None,
    "浏览次数": None,
    "阅读": None,
    "阅读量": None,
    "字号": None,
    "字体": None,
}
# Separators between a label and its value; "/" as in 文/张三 图/李四.
LABEL_SEPARATORS = ":：/／|｜"

# Reporter roles written before names with no colon: □本报记者徐瑞春, □见习记者 沈媛, 记者 张三 通讯员 李四.
AUTHOR_ROLES = (
    "本报记者", "本台记者", "本网记者", "本刊记者", "首席记者", "融媒体记者", "见习记者",
    "特约记者", "实习记者", "记者", "特约通讯员", "通讯员", "实习生", "作者", "撰文",
)  # fmt: skip
# Roles specific enough that a name may follow with no space at all.
TIGHT_ROLES = (
    "本报记者", "本台记者", "本网记者", "本刊记者", "首席记者", "融媒体记者", "见习记者", "特约记者", "实习记者", "特约通讯员",
)  # fmt: skip
# Box and bullet marks newspapers put before a by-line.
BYLINE_MARKS = "□■●◆◇○◎▲△★☆"

# "Authors" that name nobody.
ANONYMOUS = frozenset(
    {"佚名", "未知", "匿名", "本站", "本网", "网络", "网友", "综合", "小编", "编辑", "管理员", "admin", "administrator", "system"}
)  # fmt: skip
# News aggregators and apps: a copy taken from them names them as `via`, never as an author.
AGGREGATORS = frozenset(
    {
        "ZAKER", "今日头条", "头条", "一点资讯", "网易新闻", "腾讯新闻", "搜狐新闻", "新浪新闻", "百度新闻", "凤凰新闻",
        "UC头条", "澎湃号", "百家号", "企鹅号", "搜狐号", "网易号", "看点快报",
    }
)  # fmt: skip
# Name endings of publishers: "新华社音视频部制作" credits 新华社.
PUBLISHER_END = r"(?:通讯社|社|日报|晚报|早报|报|电视台|广播电视台|广播电台|台|网|新闻)"
PRODUCER_VERBS = r"(?:制作|出品|供稿|摄制|发布)"

# The site's own name: "欢迎访问民生内参!", "民生内参 msnc.org.cn 版权所有".
SITE_NAME_PATTERNS = (
    re.compile(r"^欢迎(?:您)?(?:访问|来到|光临|登录)\s*(?P<name>[^\s!！。.，,]{2,20})\s*[!！。.]*$"),
    re.compile(r"^(?P<name>[" + HAN + r"·]{2,20})\s*(?:\(?[\w.-]+\.(?:cn|com|net|org|gov)[\w./-]*\)?\s*)?版权所有"),
    re.compile(r"^(?:版权所有|Copyright)\s*[:：©(c)（）\s\d-]*(?P<name>[" + HAN + r"·]{2,20})", re.IGNORECASE),
)

# Lines to drop wherever they appear: navigation, page furniture, share widgets.
JUNK_LINES = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^评论\s*[:：]?\s*\d*$",
        r"^(?:当前位置|您的位置|您现在的位置|当前所在|所在位置|位置)\s*[:：]",
        r"^首页\s*$",
        r"^首页\s*[>›»/\\|]",
        r"^【\s*(?:纠错|我要纠错|打印|关闭|收藏|字体|大|中|小)[^】]*】",
        r"^(?:分享到|分享至|一键分享)",
        r"^字号\s*[:：]?\s*[大中小\s]+$",
        r"^(?:打印|关闭|收藏|打印本页|关闭窗口|扫一扫|手机看新闻)(?:\s|$)",
        r"^\[?(?:上一篇|下一篇)",
        r"^[\s\u3000|｜>›»·•/\\-]+$",
    )
)
# Breadcrumbs: short labels separated by '>' (首页 > 法治 > 正文).
BREADCRUMB = re.compile(r"^[^>›»。，]{1,12}(?:\s*[>›»]\s*[^>›»。，]{1,12}){1,}$")

# Page controls inside a by-line: 【字体：大 中 小】, [打印], 【关闭】.
INLINE_FURNITURE = re.compile(r"[【\[]\s*(?:字体|字号|打印|关闭|收藏|分享|纠错|我要纠错)[^】\]]*[】\]]")

# Lines after which nothing is the story any more: links back, footers, notices, contact details.
END_MARKERS = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^原文链接",
        r"^(?:阅读原文|查看原文)",
        r"^[\[【(（]?\s*免责声明",
        r"^[\[【(（]?\s*(?:版权声明|声明)\s*[\]】)）:：]",
        r"版权所有",
        r"^(?:Copyright|©)",
        r"ICP\s*备",
        r"公网安备",
        r"^(?:相关新闻|相关阅读|相关文章|相关链接|推荐阅读|延伸阅读|热门推荐|猜你喜欢|精彩推荐|热点推荐|更多精彩)",
        r"^返回\S{0,12}(?:\s*[|｜]\s*返回\S{0,12})*$",
        r"^【\s*(?:纠错|我要纠错)\s*】",
    )
)

# Contact details and publisher lines: footer after the story's last paragraph, the story's own
# words inside it (a tip-off number in an anti-fraud story).
CONTACT_LINES = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^(?:联系电话|监督电话|举报电话|违法和不良信息举报|服务热线|咨询电话|电话)\s*[:：]",
        r"^(?:邮箱|电子邮箱|E-?mail|投稿邮箱)\s*[:：]",
        r"(?:客服|通联)?QQ\s*[:：]\s*\d{5,}",
        r"^[^，。]{2,30}(?:主办|主管|承办)\s*(?:[|｜]|$)",
    )
)

# End-of-story marks and credits that close the last paragraph: "(完)", "(文/张三 图/李四)".
TRAILING_CREDIT = re.compile(
    r"\s*[(（](?:完|终|全文完|(?:文|图|摄|摄影|记者|通讯员|作者|来源|编辑|责任编辑|供稿)\s*[/／:：|｜ ][^()（）]{1,60})[)）]\s*$"
)
# A lead credit: 本报讯（记者 张三 通讯员 李四）; the authors are read, and it is removed like a by-line.
LEAD_CREDIT = re.compile(r"^\S{0,10}?讯\s*[(（](?P<credit>(?:" + "|".join(AUTHOR_ROLES) + r")[^()（）]{1,60})[)）]\s*")

# Captions: short lines right after a picture; these openings mark one even when it is longer.
CAPTION_OPENINGS = ("图为", "图：", "图:", "▲", "△", "（图", "(图", "上图", "下图", "左图", "右图")
MAX_CAPTION = 40
MAX_HEADING = 30
MAX_TITLE = 60

# Full pages: elements that are never the story, by tag and by class/id word.
DROP_TAGS = (
    "script", "style", "noscript", "iframe", "form", "button", "input", "select", "textarea", "svg",
    "canvas", "video", "audio", "object", "embed", "nav", "footer", "aside", "template", "link", "meta",
)  # fmt: skip
BOILERPLATE_WORDS = frozenset(
    {
        "nav", "navbar", "menu", "footer", "foot", "breadcrumb", "breadcrumbs", "crumb", "crumbs", "share",
        "sharing", "comment", "comments", "related", "recommend", "sidebar", "side", "ad", "ads", "advert",
        "banner", "copyright", "login", "toolbar", "pagination", "pager", "hot", "rank", "friendlink",
        "links", "qrcode", "qr", "social", "subscribe", "weixin", "wechat", "topbar", "bottom",
    }
)  # fmt: skip
# Class/id words of containers that usually hold the story: a bonus to their density score,
# and an element named with one is never pruned as boilerplate.
CONTENT_WORDS = frozenset(
    {"article", "content", "contents", "artibody", "maintext", "text", "txt", "detail", "post", "entry", "body", "zoom"}
)
# Metadata in <head>.
META_TITLE = ("og:title", "twitter:title", "title", "articletitle")
META_DATE = (
    "article:published_time", "og:published_time", "publishdate", "pubdate", "publish_date", "datepublished", "date",
)  # fmt: skip
META_AUTHOR = ("author", "article:author")
META_SOURCE = ("source", "article:source", "contentsource")
META_SITE = ("og:site_name", "sitename", "site_name", "application-name")
# Separators between a headline and the site name in <title>: 标题_频道_网站, 标题 - 网站.
TITLE_SEPARATORS = re.compile(r"\s*[_|｜]\s*|\s+(?:-{1,2}|—{1,2}|–)\s+")
# Image attributes holding the real picture on lazy-loading pages, in order of trust.
IMAGE_ATTRIBUTES = ("data-original", "data-src", "data-original-src", "data-actualsrc", "data-url", "src")
MIN_IMAGE_SIDE = 60

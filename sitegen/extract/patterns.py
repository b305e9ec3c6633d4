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
    "发表日期": "date",
    "首发时间": "date",
    "刊发时间": "date",
    "上线时间": "date",
    "录入时间": "date",
    "添加时间": "date",
    "时间": "date",
    "日期": "date",
    # Days that are not the publication's: a document's signing (gov pages), a later revision.
    "成文日期": "other_date",
    "成文时间": "other_date",
    "更新时间": "other_date",
    "更新日期": "other_date",
    "修改时间": "other_date",
    "最后更新": "other_date",
    "稿件来源": "source",
    "文章来源": "source",
    "新闻来源": "source",
    "信息来源": "source",
    "来源": "source",
    "出处": "source",
    "发布机构": "source",
    "发布单位": "source",
    "供稿单位": "source",
    "发文机关": "source",
    "发文单位": "source",
    "作者": "authors",
    "本文作者": "authors",
    "楼主": "authors",
    "撰文": "authors",
    "撰稿": "authors",
    "撰稿人": "authors",
    "执笔": "authors",
    "本报记者": "authors",
    "见习记者": "authors",
    "特约记者": "authors",
    "实习记者": "authors",
    "记者": "authors",
    "通讯员": "authors",
    "文": "authors",
    "文字": "authors",
    "文/图": "authors",
    "图/文": "authors",
    "文图": "authors",
    "责任编辑": "editor",
    "值班编辑": "editor",
    "本文编辑": "editor",
    "网络编辑": "editor",
    "责编": "editor",
    "编辑": "editor",
    "图": "photos",
    "图文": "authors",
    "摄影": "photos",
    "摄": "photos",
    "图片来源": None,
    "图片": None,
    "视频": None,
    "审核": None,
    "审校": None,
    "初审": None,
    "复审": None,
    "终审": None,
    "统筹": None,
    "策划": None,
    "主编": None,
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
    "索引号": None,
    "发文字号": None,
    "文号": None,
    "主题分类": None,
    "主题词": None,
    "访问量": None,
}
# Separators between a label and its value; "/" as in 文/张三 图/李四, "丨" as in 文丨张三.
LABEL_SEPARATORS = ":：/／|｜丨"
# Labels that may be followed by a space alone (责任编辑 张三, 作者 李四): a name must follow.
SPACED_LABELS = ("责任编辑", "值班编辑", "本文编辑", "责编", "编辑", "作者", "执笔", "撰稿", "摄影", "文/图", "图/文", "文图")  # fmt: skip

# Reporter roles written before names with no colon: □本报记者徐瑞春, □见习记者 沈媛, 记者 张三 通讯员 李四.
AUTHOR_ROLES = (
    "本报记者", "本台记者", "本网记者", "本刊记者", "首席记者", "融媒体记者", "见习记者",
    "特约记者", "实习记者", "摄影记者", "记者", "特约通讯员", "通讯员", "实习生", "作者", "撰文", "执笔",
    "本报评论员", "特约评论员", "评论员", "特约撰稿人", "特约撰稿",
)  # fmt: skip
# Roles specific enough that a name may follow with no space at all.
TIGHT_ROLES = (
    "本报记者", "本台记者", "本网记者", "本刊记者", "首席记者", "融媒体记者", "见习记者", "特约记者", "实习记者", "特约通讯员",
)  # fmt: skip
# Roles found anywhere in a by-line, after an outlet or not: 光明日报记者 王建宏, 本报实习生 刘国栋.
LENIENT_ROLES = ("记者", "通讯员", "实习生", "撰稿人", "评论员")
# A by-line is short; a longer line is story.
MAX_BYLINE = 120
# How posting software credits a post's writer: "by duscha", "ggjjzhzz 发表于 …", "由海姑娘张贴".
POSTED_BY = (
    re.compile(r"(?:^|\s)by\s+(?P<name>[A-Za-z0-9][\w.\-]{1,30}|[" + HAN + r"]{2,4})(?=\s|$|〓)", re.IGNORECASE),
    re.compile(r"^(?P<name>[A-Za-z][\w.\-]{1,30}|[" + HAN + r"]{2,4})\s*(?:发表于|发布于|发表时间|发帖时间)"),
    re.compile(r"由\s*(?P<name>[A-Za-z][\w.\-]{1,30}|[" + HAN + r"]{2,4}?)\s*(?:张贴|发表|发布|提交)"),
    re.compile(
        r"^(?P<name>[A-Za-z][\w.\-]{1,30}|[" + HAN + r"]{2,4})\s+于\s*\d{4}[^\s]*(?:\s+[\d:：]+)?\s*(?:发布|发表|修改)"
    ),
)
# Links to a user's page on forum and blog software (Discuz, phpwind, blog hosts): their text
# names the post's writer.
PROFILE_LINK = re.compile(
    r"space\.php\?(?:uid|username)=|home\.php\?mod=space|profile\.php|/(?:space|user|users|member|members|people|u)/[\w%-]+/?$",
    re.IGNORECASE,
)
# Words of two to four characters that stand alone near a headline but name no one: page
# controls, sections, labels.
NOT_NAMES = frozenset(
    {
        "关注", "分享", "收藏", "评论", "打印", "关闭", "返回", "首页", "正文", "专栏", "楼主", "原创", "转载",
        "置顶", "精华", "推荐", "举报", "回复", "引用", "删除", "顶部", "更多", "相关", "热门", "最新", "视频",
        "图片", "新闻", "作者", "来源", "责编", "全文", "摘要", "导读", "简介", "目录", "阅读", "点击", "浏览",
        "字号", "登录", "注册", "搜索", "音频", "播放", "下载", "客户端", "手机版", "订阅", "私信", "点赞",
        "查看", "发表", "发布", "时间", "日期", "大中小", "默认", "放大", "缩小", "本文", "全部", "文章",
        "金融", "文化", "文摘", "时政", "时尚", "时评", "国际", "国内", "海外", "高清", "高考", "房产", "社会",
        "生活", "历史", "江湖", "华人", "华侨", "安全", "平安", "万象", "花絮", "任免", "程序", "应急",
        "english", "home", "login", "more", "top", "next", "print", "share", "podcast", "admin",
    }
)  # fmt: skip
# Common Chinese surnames: a name standing alone under a headline must begin with one (a page
# control such as 分享到 or 小字号 does not). Compound surnames first.
SURNAMES = (
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐 端木 独孤 南宫 西门 万俟 闻人 澹台 申屠 "
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金"
    "石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂"
    "章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶"
    "解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇"
    "桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠"
    "豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿鲜印逯隆茹"
    "诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由风"
)
# Name endings of offices and outlets: 人民网, 公安局, 新闻中心 credit no person.
OFFICE_END = r"(?:网|报|社|台|站|部|局|院|所|厅|委|办|会|中心|频道|新闻|集团|公司|政府|大学)"
# Further endings that make a credit an organisation, a team or a method, never a person: the
# CMS vendor (大汉网络), the police (盐城公安), the desk (编辑部), the compiler (网络整理).
NOT_PERSON_END = (
    OFFICE_END[:-1] + r"|网络|科技|信息|技术|整理|编译|综合|公安|警方|警务|支队|大队|中队|编辑部|办公室|工作室|"
    r"传媒|融媒|宣传|在线|资讯|视频|图片|团队|小组|课题组|报道组|记者站|联盟|协会|学会|平台|官微|微博|客户端|"
    r"供图|提供|供稿|原创|转载|网友|游客|用户|读者)"
)
# Words inside the name of an office, an outlet or a role, never of a pen name.
OFFICE_WORDS = (
    r"(?:记者|通讯员|编辑|评论|实习|网|报|社|台|局|委|厅|部|院|所|站|中心|公司|集团|政府|大学|学院|协会|频道)"
)
# Endings of units that a name of three characters or more cannot have (宣传处, 南京市, 刑侦队).
NOT_PERSON_END_LONG = r"(?:处|室|股|队|组|司|市|省|县|区|镇|乡|村|街道|社区)"
# Beginnings of desks and offices, never of a name: 宣传科, 办公室, 政治部, 本报评论员.
NOT_PERSON_START = (
    r"(?:宣传|办公|政治|政工|综合|新闻|网络|党委|党组|市委|县委|区委|纪委|政法|公安|交警|消防|应急|司法|检察|法院|"
    r"本报|本台|本刊|本网|本站|中共|网站|平台|官方)"
)
# Credits that name no one, whatever their shape ("作者：网络整理", "来源：本站").
NOT_PERSON = frozenset(
    {
        "佚名", "未知", "匿名", "本站", "本网", "本报", "本台", "本刊", "网络", "网友", "网民", "综合", "小编",
        "编辑", "编者", "管理员", "站长", "作者", "记者", "通讯员", "受访者", "资料图", "资料", "供图",
        "网络整理", "整理", "转载", "原创", "来源", "不详", "暂无", "无", "报道", "摄影", "摄影报道", "综合报道",
        "联合报道", "发自", "制图", "摄", "图", "文", "文图", "图文", "admin", "administrator", "system",
        "root", "webmaster", "editor", "guest", "anonymous", "unknown", "null", "none",
    }
)  # fmt: skip
# Makers of the CMS software that government and newspaper sites run on: their name fills
# <meta name=author> on many pages, never as a writer (lower case; a Latin one is a whole word).
CMS_VENDORS = (
    "拓尔思", "trs", "大汉网络", "hanweb", "开普云", "ucap", "万户", "动易", "织梦", "dedecms", "phpcms",
    "帝国cms", "empirecms", "科讯", "kesion", "新云", "pageadmin", "discuz", "wordpress", "z-blog", "zblog",
    "emlog", "typecho", "cms",
)  # fmt: skip
# "Sources" that name no publisher.
NOT_SOURCES = frozenset(
    {"转载", "转载文章", "原创", "互联网", "网络", "网络整理", "网友", "网友投稿", "本站", "本网", "综合", "佚名", "未知", "不详"}
)  # fmt: skip
# Box and bullet marks newspapers put before a by-line.
BYLINE_MARKS = "□■●◆◇○◎▲△★☆"

# "Authors" that name nobody.
ANONYMOUS = NOT_PERSON
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
        r"^(?:第\s*\d+\s*页\s*/?\s*共\s*\d+\s*页|共\s*\d+\s*页)?[\s\d<>«»|｜\[\]【】]*(?:(?:首页|上一页|下一页|尾页|末页|前页|后页)[\s\d<>«»|｜\[\]【】]*)+$",
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
        r"^(?:相关新闻|相关阅读|相关文章|相关链接|相关报道|相关专题|相关稿件|推荐阅读|延伸阅读|热门推荐|猜你喜欢|精彩推荐|热点推荐|更多精彩|更多新闻|热点新闻|今日推荐|编辑推荐)",
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
    r"\s*[(（](?:完|终|全文完|(?:文|图|摄|摄影|作者|执笔|撰文|来源|编辑|责任编辑|责编|供稿)\s*[/／:：|｜ ][^()（）]{1,60}"
    r"|[" + HAN + r"]{0,6}?(?:记者|通讯员)\s*[/／:：|｜ ]?[^()（）]{1,60}|[^()（）]{2,40}?\s*报道)[)）]\s*$"
)
# Names alone in brackets closing a story: "……安全。（张伟 李娜）"; read only when every word is a name.
TRAILING_NAMES = re.compile(r"\s*[(（]\s*([^()（）]{2,30}?)\s*[)）]\s*$")
# "（张伟 李娜 报道）", "本报记者 张伟 报道": who reported, without the verb.
REPORTED = re.compile(r"^(?P<who>.{2,40}?)\s*(?:联合)?报道$")
# A lead credit: 本报讯（记者 张三 通讯员 李四）; the authors are read, and it is removed like a by-line.
LEAD_CREDIT = re.compile(
    r"^\S{0,20}?(?:讯|电|消息)\s*[(（](?P<credit>(?:" + "|".join(AUTHOR_ROLES) + r")[^()（）]{1,60})[)）]\s*[:：]?\s*"
)

# Captions: short lines right after a picture; these openings mark one even when it is longer.
CAPTION_OPENINGS = ("图为", "图：", "图:", "资料图", "供图", "▲", "△", "（图", "(图", "上图", "下图", "左图", "右图")
MAX_CAPTION = 40
# A table whose cells are longer than this lays out a page; it does not hold data.
MAX_TABLE_CELL = 150
MAX_HEADING = 30
MAX_TITLE = 60

# Full pages: a line whose characters are this much link text is navigation, not story.
LINK_LINE = 0.8
# Full pages: block elements that may hold a story (a paragraph's text counts for the one around it).
CONTAINER_TAGS = frozenset(
    {"div", "td", "th", "article", "section", "main", "body", "blockquote", "center", "dd", "li", "ul", "form"}
)
# Full pages: elements that are never the story, by tag and by class/id word.
DROP_TAGS = (
    "script", "style", "noscript", "iframe", "button", "input", "select", "textarea", "svg",
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
META_TITLE = ("og:title", "twitter:title", "title", "articletitle", "headline")
META_DATE = (
    "article:published_time", "og:published_time", "og:release_date", "article:published", "publishdate",
    "publish-date", "publish_date", "publishtime", "publish_time", "pubdate", "pubtime", "pub_date", "ptime",
    "datepublished", "firstpublishedtime", "releasedate", "release_date", "createdate", "created",
    "weibo:article:create_at", "sailthru.date", "parsely-pub-date", "citation_publication_date", "citation_date",
    "prism.publicationdate", "dcterms.created", "dcterms.issued", "dc.date.issued", "dc.date.created", "dc.date",
    "date", "<json-ld>datepublished",
)  # fmt: skip
META_AUTHOR = ("author", "article:author", "citation_author", "citation_authors", "dc.creator", "<json-ld>author")
META_SOURCE = ("source", "article:source", "contentsource")
META_SITE = ("og:site_name", "sitename", "site_name", "sitedomain", "application-name", "<json-ld>publisher")
# Separators between a headline and the site name in <title>: 标题_频道_网站, 标题 - 网站,
# 标题--网站, 标题-搜狐财经, 标题—网站 (a bare hyphen or dash only before a short name at the end).
TITLE_SEPARATORS = re.compile(
    r"\s*(?:[_|｜]|::|>>?|›|»)\s*|\s+(?:-{1,2}|—{1,2}|–|·)\s+|\s*-{2,}\s*|-(?=[\w\u4e00-\u9fff.·]{2,10}$)"
    r"|-\s+(?=\S.{0,30}$)|\s+-(?=\S.{0,30}$)|\s*-\s*(?=(?:www\.)?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/?$)"
    r"|(?<!—)—(?=[\w\u4e00-\u9fff.·]{2,10}$)"
)
# A site's name before a headline: '东江网-标题' (a bare hyphen after a short name), '【东江网】标题'.
# A site's name in brackets after a headline: '标题（东江网）'.
TITLE_TRAILING_NAME = re.compile(r"\s*[（(](?P<tag>[^（）()]{2,12})[)）]$")
TITLE_LEADING_NAME = re.compile(r"^(?:(?P<name>[\w\u4e00-\u9fff.·]{2,10})-(?=\S)|【(?P<tag>[^【】]{2,12})】\s*)")
# A <title> part that names a site or a channel rather than a story: its last word says so.
SITE_PART_END = re.compile(
    r"(?:网|网站|门户|在线|新闻|资讯|频道|首页|主页|中心|新闻中心|客户端|官网|官方网站|政府|平台|专栏|专题|栏目|"
    r"日报|晚报|早报|时报|商报|都市报|报|电视台|广播电视台|台|杂志|周刊|论坛|社区|博客|中文|中文网|主办|承办|出品|"
    r"\.com|\.cn|\.net)$",
    re.IGNORECASE,
)
# Channel and section names that stand before or after a headline in <title> (要闻, 社会, 正文 ...).
CHANNEL_WORDS = frozenset(
    {
        "首页", "正文", "要闻", "新闻", "资讯", "国内", "国际", "社会", "财经", "体育", "娱乐", "科技", "军事", "教育",
        "文化", "健康", "汽车", "房产", "法治", "时政", "评论", "观点", "本地", "地方", "图片", "视频", "专题",
        "政务公开", "通知公告", "工作动态", "新闻动态", "政策法规", "媒体聚焦", "基层动态",
    }
)  # fmt: skip
# Characters never part of a headline: private-use icon-font glyphs, controls, invisible format marks.
INVISIBLE = re.compile(
    "[\ue000-\uf8ff\U000f0000-\U0010ffff\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]"
)
# A headline read off the page may carry a label or a category tag: 主题：…, [湖湘文化]….
TITLE_LABEL = re.compile(r"^(?:主题|标题|题目|帖子|文章标题)\s*[:：]\s*")
TITLE_CATEGORY = re.compile(r"^\[[^\]]{1,10}\]\s*")
# Lines under a headline that are not its deck: a numbered section (一、 1. （一） 第一), a document number (〔2022〕1号).
NOT_SUBTITLE = re.compile(
    r"[【\[]|^\W*(?:[一二三四五六七八九十]+、|\d+[、.．]|[（(][一二三四五六七八九十\d]+[)）]|第[一二三四五六七八九十\d]+[章节部分])|〔\d{4}〕"
)
# Page numbers that tell the pages of one article apart: (2), 第2页, （二）.
PAGE_NUMBER = re.compile(
    r"(?:[(（]\s*(?:\d{1,2}|[一二三四五六七八九十]{1,2})\s*[)）]|第\s*\d{1,2}\s*页|\(页\d{1,2}\))$"
)
# The link to an article's next page.
NEXT_PAGE = re.compile(r"\[?\s*(?:下一页|下页|后一页|下一頁)\s*(?:>>|»|›|>)?\s*\]?")
# A publication day in a page's address: /2005-03-31/, /20050311/, /2005/07/18/, /2004/0716/, /2005-08/16/.
# The digits stand alone: "/a/202306181234567.html" is an article's number, not a day.
URL_DATE = re.compile(
    r"/[a-z]?(?P<y>(?:19|20)\d{2})(?P<s1>[-_/]?)(?P<m>0[1-9]|1[0-2])(?P<s2>[-_/]?)(?P<d>0[1-9]|[12]\d|3[01])"
    r"(?=[/_.-]|[a-z]+\d*\.s?html?|$)(?!\d)"
)
# Image attributes holding the real picture on lazy-loading pages, in order of trust.
IMAGE_ATTRIBUTES = ("data-original", "data-src", "data-original-src", "data-actualsrc", "data-url", "src")
MIN_IMAGE_SIDE = 60

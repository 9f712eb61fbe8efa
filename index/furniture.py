"""Furniture as classes: rights notices, navigation and share bars, whatever site they come from.

The cleaner's first patterns were learnt from a few sites (download notices, "相关范文推荐").
Other sources add their own: a wiki appends a licence or public-domain notice to every text,
portals put breadcrumbs, menus and share bars around it. Such lines are recognised by what
they *are*, not by their wording on one site:

* a **rights notice** speaks about the page or the work itself (本作品, 本文, this work,
  版权所有, 原作者 …) in terms of rights (著作权, 公有领域, 许可, 转载, copyright, public
  domain, CC BY …); a bare licence label ("Public domain", "CC BY-SA 4.0") is one too. A
  speech talks about 行政许可 or 著作权法, but never about "this work" being in the public
  domain. A notice in the second half of a file starts its tail: what follows it (the
  notice's footnotes, template labels, categories) is dropped with it, unless another
  speech of a compilation starts there;
* **navigation**: breadcrumbs (当前位置：首页 > …), menus of short items between bars,
  back-links (↑);
* **share bars**: lines made only of share targets and page tools (微信 微博 QQ空间 打印 关闭 …).
"""

from __future__ import annotations

import re

from index.patterns import PARAGRAPH_END, PART_MARKER

_SELF = (r"本作品|此作品|该作品|該作品|这部作品|這部作品|本作(?!用)|本文(?!件|化)|本页|本頁|本站|本网站?|本網站?|"
         r"本条目|本條目|本模板|原作者|版权所有|版權所有|版权归|版權歸|this (?:work|page|article|file)|"
         r"all rights reserved")
_RIGHTS = (r"著作权|著作權|版权|版權|公有领域|公有領域|公共领域|许可协议|許可協議|授权|授權|许可证|許可證|转载|轉載|"
           r"copyright|©|public domain|licen[cs]e|creative commons|知识共享|知識共享|CC[ -]?BY|CC0|GFDL|GNU")
_SELF_RE = re.compile(_SELF, re.I)
_RIGHTS_RE = re.compile(_RIGHTS, re.I)
#: A paragraph that is only a licence label.
_LABEL = re.compile(r"(?i)(?:public domain|公有领域|公有領域|CC[ -]?BY(?:[- ](?:SA|NC|ND))*(?:\s*\d\.\d)?|CC0(?:\s*1\.0)?|"
                    r"GFDL|all rights reserved\.?|版权所有|版權所有)")
#: Notices are short; a long paragraph that happens to hold both kinds of words is speech.
NOTICE_MAX = 500
#: Unfinished pieces of a notice broken before it (wiki links break lines: "本作品是中华人民共和国的")
#: are at most this long, and at most this many; the first of them names the work.
_FRAGMENT_MAX = 60
_FRAGMENT_SCAN = 3

_NAV_WORDS = r"(?:当前位置|您的位置|你的位置|您现在的位置|现在的位置|所在位置)"
_SHARE_TOKEN = (r"(?:分享到|分享至|分享|转发到|转发|微信|朋友圈|微博|新浪微博|腾讯微博|QQ空间|QQ好友|QQ|豆瓣|人人网|贴吧|抖音|"
                r"Facebook|Twitter|LinkedIn|复制链接|打印(?:本页)?|关闭(?:窗口)?|收藏|字[体号]\s*[:：]?\s*(?:[大中小]\s*){0,3})")
_NAVIGATION = re.compile(
    "|".join([
        rf"{_NAV_WORDS}\s*[:：]?.{{0,80}}",  # breadcrumb: 当前位置：首页 > 领导讲话
        r"(?:首页|主页|网站首页|Home)\s*[>›»/＞→].{0,80}",  # breadcrumb without its label
        r"[^\s|｜,，。；;:：]{1,8}(?:\s*[|｜]\s*[^\s|｜,，。；;:：]{1,8}){2,}",  # menu: 首页 | 新闻 | 专题
        r"[^\s,，。；;:：]{1,6}(?:[ \u3000]{2,}[^\s,，。；;:：]{1,6}){3,}",  # menu spaced out: 首页  新闻  专题  互动
        r"[↑↓^]+\s*(?:返回|回到)?\s*(?:顶部|目录|top)?",  # back-links of footnotes and tops
        rf"(?:【?\s*{_SHARE_TOKEN}\s*[:：]?\s*】?[\s|｜/·]*){{2,}}",  # share bar / page tools
        r"【?\s*字[体号]\s*[:：]?\s*(?:[大中小]\s*){2,3}】?",  # font size switch: 【字体：大 中 小】
    ]),
    re.I,
)
_NAVIGATION_MAX = 120


def _notice_start(paragraphs: list[str], i: int) -> int:
    """Where the notice at ``i`` begins: back over unfinished fragments to one that names the work."""
    start, j = i, i
    while j > 0 and i - j < _FRAGMENT_SCAN and len(paragraphs[j - 1]) <= _FRAGMENT_MAX \
            and paragraphs[j - 1][-1] not in PARAGRAPH_END:
        j -= 1
        if _SELF_RE.search(paragraphs[j]):
            start = j
    return start


def is_navigation(line: str) -> bool:
    """A stripped line that is a breadcrumb, a menu, a back-link or a share bar."""
    return len(line) <= _NAVIGATION_MAX and bool(_NAVIGATION.fullmatch(line))


def is_notice(text: str) -> bool:
    """A copyright, licence, reprint or public-domain notice about the page or work itself."""
    if _LABEL.fullmatch(text.strip(" .。")):
        return True
    return len(text) <= NOTICE_MAX and bool(_SELF_RE.search(text)) and bool(_RIGHTS_RE.search(text))


def notice_paragraphs(paragraphs: list[str]) -> set[int]:
    """Indexes of the paragraphs that are rights notices or the tail one starts.

    The first notice in the second half of the text starts the tail (with the unfinished
    fragments just before it) unless a compilation's next part follows it; any other
    notice is dropped alone.
    """
    sizes = [len(p) for p in paragraphs]
    total = sum(sizes)
    dropped: set[int] = set()
    before = 0
    for i, text in enumerate(paragraphs):
        if is_notice(text):
            rest = paragraphs[i:]
            if before >= total - before and not any(PART_MARKER.match(p) for p in rest):
                return dropped | set(range(_notice_start(paragraphs, i), len(paragraphs)))
            dropped.add(i)
        before += sizes[i]
    return dropped

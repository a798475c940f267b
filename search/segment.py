"""Chinese segmentation for the search index and for queries (one function for both).

Tokens of a text are

* the words rjieba's ``cut_for_search`` finds, with a user dictionary built from every
  agency's name, short name and 代字 and every unit's name in the database, plus a few
  office words (督办, 批示, 拟办, 签收, 请示 …) — without it jieba cuts 财务处于 into
  财务/处于 and 示府办发 into 示府/办发;
* overlapping character bigrams of every run of CJK characters (and of a CJK character
  next to a number: 7号), and every ASCII word or number (2026, 7);
* for short fields (title, 文号) also each single CJK character, so a one-character
  query (函) still finds something.

Why bigrams as well as words: segmentation depends on context. The same two characters
can be a word in one sentence and be split across two words in another (处于 in
财务处于, 办发 in 示府办发), so a query word and the same characters in a document may be
cut differently and a word-only index would miss it. A query is turned into the
bigrams of each of its terms (all required), which matches wherever those characters
stand next to each other, whatever the segmenter did — two-character words are always
found. Words of three or more characters (财务处, 示府办发, 预算编制) are in the index as
tokens of their own and raise the rank of documents that contain the whole word.

Tokens contain only CJK characters, ASCII letters (lower case) and digits: no
punctuation, so they are safe as FTS5 and tsquery terms once quoted.
"""

from __future__ import annotations

import re
import threading

import rjieba

DOMAIN_WORDS = [
    "督办", "批示", "拟办", "签收", "请示", "函", "报告", "通知", "批复", "纪要", "收文", "发文",
    "文号", "签发", "会签", "办结", "催办", "转报", "退文", "办公室", "秘书科", "文电处",
    "防汛", "抗旱", "安全生产", "财政预算", "招商引资", "营商环境", "乡村振兴", "河长制",
]

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# A run: CJK characters and ASCII letters/digits, no punctuation or spaces.
_RUN = re.compile(rf"[{_CJK}A-Za-z0-9]+")
# Units inside a run: one CJK character, or one ASCII word/number.
_UNIT = re.compile(rf"[{_CJK}]|[A-Za-z0-9]+")
_IS_CJK = re.compile(rf"[{_CJK}]")

_lock = threading.Lock()
_jieba = None
_signature = None


def _build(words) -> rjieba.Jieba:
    jieba = rjieba.Jieba()
    for word in {*DOMAIN_WORDS, *words}:
        word = (word or "").strip()
        if len(word) >= 2 and _RUN.fullmatch(word):
            jieba.add_word(word, 100000, None)
    return jieba


def dictionary_words() -> list[str]:
    """Every agency name, short name and 代字, and every unit name and short name."""
    from org.models import Agency, Unit

    words: list[str] = []
    for name, short, code in Agency.objects.values_list("name", "short_name", "code"):
        words += [name, short, code]
    for name, short in Unit.objects.values_list("name", "short_name"):
        words += [name, short]
    return words


def dictionary_signature():
    from django.db.models import Count, Max

    from org.models import Agency, Unit

    a = Agency.objects.aggregate(n=Count("id"), m=Max("id"))
    u = Unit.objects.aggregate(n=Count("id"), m=Max("id"))
    return (a["n"], a["m"], u["n"], u["m"])


def load_dictionary(force: bool = False) -> None:
    """(Re)build the user dictionary when agencies or units were added (cheap otherwise)."""
    global _jieba, _signature
    signature = dictionary_signature()
    if not force and _jieba is not None and signature == _signature:
        return
    jieba = _build(dictionary_words())
    with _lock:
        _jieba, _signature = jieba, signature


def _segmenter() -> rjieba.Jieba:
    global _jieba
    if _jieba is None:
        try:
            load_dictionary()
        except Exception:  # no database (yet): the domain words only
            _jieba = _build([])
    return _jieba


def _units(run: str) -> list[str]:
    return [u.lower() for u in _UNIT.findall(run)]


def tokens(text: str, *, unigrams: bool = False) -> list[str]:
    """Index tokens of a text: words, bigrams, ASCII words; each once, in order of first use."""
    out: dict[str, None] = {}
    if not text:
        return []
    jieba = _segmenter()
    for run in _RUN.findall(text):
        for word in jieba.cut_for_search(run):
            if len(word) >= 2 and _RUN.fullmatch(word) and _IS_CJK.search(word):
                out[word.lower()] = None
        units = _units(run)
        for i, unit in enumerate(units):
            if not _IS_CJK.match(unit) or unigrams:
                out[unit] = None
            if i + 1 < len(units) and (_IS_CJK.match(unit) or _IS_CJK.match(units[i + 1])):
                out[unit + units[i + 1]] = None
    return list(out)


def token_text(text: str, *, unigrams: bool = False) -> str:
    """The tokens joined by single spaces, as stored in the index."""
    return " ".join(tokens(text, unigrams=unigrams))


def query_terms(text: str) -> list[list[str]]:
    """The required tokens of each term of a query (terms are split by whitespace and
    punctuation): the bigrams of each run, its ASCII words, a single character alone."""
    terms = []
    for run in _RUN.findall(text or ""):
        units = _units(run)
        if len(units) == 1:
            terms.append(units)
            continue
        required: dict[str, None] = {}
        for i, unit in enumerate(units):
            if not _IS_CJK.match(unit):
                required[unit] = None
            if i + 1 < len(units) and (_IS_CJK.match(unit) or _IS_CJK.match(units[i + 1])):
                required[unit + units[i + 1]] = None
        terms.append(list(required))
    return terms


def highlight_words(text: str) -> list[str]:
    """The strings to mark in a result: each run of the query as typed (longest first)."""
    return sorted({run for run in _RUN.findall(text or "")}, key=len, reverse=True)

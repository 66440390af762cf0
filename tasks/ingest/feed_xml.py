"""Make a feed document well-formed XML where its data is intact, and say what was repaired.

Podcast apps read feeds with blemishes that a strict XML parser refuses: blank lines before the
XML declaration, `itunes:` elements without `xmlns:itunes`, an HTML entity such as `&nbsp;` or a
typo such as `&gtgt;` in one description, a bare `&` in a title, text after `</rss>`. Each of
these leaves every item readable, so `repair_feed_xml` mends it and records a note; feedparser
then reads the repaired document strictly.

What cannot be mended (a mismatched tag in the middle, an invalid character reference) is left
to feedparser's verdict, with the fault described in `RepairedXml.problem` for the message.
An entity that only an external DTD could define is refused (`MalformedFeedXml`). A document
cut short is mended only by dropping the incomplete
tail: the items whose end tag was read are complete and kept, and the result is marked partial.

Entity declarations are refused before this module runs (see
`podsift.tasks.ingest.feeds.parse_feed`); the
parsers here also refuse them, and never load an external DTD.
"""

from __future__ import annotations

import html.entities
import re
import xml.parsers.expat as expat
from dataclasses import dataclass, field

# The namespaces podcast feeds use, by the prefix they are always written with. A prefix used
# without its declaration gets this URI, so feedparser maps `itunes:duration` as usual.
KNOWN_NAMESPACES: dict[str, str] = {
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
    "podcast": "https://podcastindex.org/namespace/1.0",
    "googleplay": "http://www.google.com/schemas/play-podcasts/1.0",
    "media": "http://search.yahoo.com/mrss/",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "atom": "http://www.w3.org/2005/Atom",
    "psc": "http://podlove.org/simple-chapters",
    "spotify": "http://www.spotify.com/ns/rss",
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
    "sy": "http://purl.org/rss/1.0/modules/syndication/",
    "slash": "http://purl.org/rss/1.0/modules/slash/",
    "wfw": "http://wellformedweb.org/CommentAPI/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "georss": "http://www.georss.org/georss",
    "rawvoice": "http://www.rawvoice.com/rawvoiceRssModule/",
    "fyyd": "https://fyyd.de/fyyd-ns/",
    "feedburner": "http://rssnamespace.org/feedburner/ext/1.0",
}
# Any other undeclared prefix is bound to a URI of its own, so its elements stay apart.
UNKNOWN_NAMESPACE = "urn:podsift:undeclared:{prefix}"
# Elements that hold one episode, and the elements that hold them (RSS 2.0, RSS 1.0, Atom).
ITEM_ELEMENTS = frozenset({"item", "entry"})
ITEM_PARENTS = frozenset({"channel", "rdf", "feed"})
MAX_NAMED = 3  # entity names quoted in a note; the rest are counted

_XML_ENTITIES = frozenset({"amp", "lt", "gt", "quot", "apos"})
_LEADING_JUNK = re.compile(rb"(?:[ \t\r\n]|\xef\xbb\xbf)+")
_UTF8_BOM = b"\xef\xbb\xbf"
# The declaration, then more declarations before anything else.
_REPEATED_DECLARATION = re.compile(
    rb"((?:\xef\xbb\xbf)?<\?xml\s[^>]*\?>)((?:\s*<\?xml\s[^>]*\?>)+)", re.IGNORECASE
)
# A reference, or a stretch where `&` is literal text to XML (CDATA, comments, PIs). Names
# are matched in ASCII: an `&` before anything else is a bare ampersand.
_REFERENCE = re.compile(
    rb"<!\[CDATA\[.*?(?:\]\]>|\Z)|<!--.*?(?:-->|\Z)|<\?.*?(?:\?>|\Z)"
    rb"|&(?:(?P<name>[A-Za-z_][A-Za-z0-9_.-]*);|#[0-9]+;|#[xX][0-9a-fA-F]+;)?",
    re.DOTALL,
)
_EXTERNAL_DTD = re.compile(rb"<!DOCTYPE[^>\[]*\b(?:SYSTEM|PUBLIC)\b", re.IGNORECASE)
_TAG_END = re.compile(rb"""(?:[^>"']|"[^"]*"|'[^']*')*>""")
_ROOT_NAME = re.compile(rb"<[^\s/>]+")
_CONTROL_CHARACTER = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_ELEMENT_PREFIX = re.compile(rb"</?([A-Za-z_][A-Za-z0-9_.-]*):[A-Za-z_]")
_DECLARED_PREFIX = re.compile(rb"xmlns:([A-Za-z_][A-Za-z0-9_.-]*)\s*=")


class MalformedFeedXml(Exception):
    """The document is not XML that repairs can make whole; the message says where and why."""


@dataclass(frozen=True, slots=True)
class RepairedXml:
    """A feed document ready for a strict parse, with what was done to it."""

    content: bytes
    notes: tuple[str, ...] = ()  # one per kind of repair, for the feed's warning
    partial: bool = False  # items were lost: the document ended before its last item closed
    problem: str | None = None  # the fault no repair mended ("malformed XML at line 5 (...)")


@dataclass(slots=True)
class _Scan:
    """What a namespace-blind pass over a document found, up to its first error."""

    error: expat.ExpatError | None = None
    at_end: bool = False  # the error is only that the document ended too early
    root_at: int | None = None  # byte offset of the root element's start tag
    root_end: int | None = None  # byte offset just past the root element's end tag
    prefixes: set[str] = field(default_factory=set)  # used in element and attribute names
    declared: set[str] = field(default_factory=set)  # declared by some xmlns:prefix
    item_ends: list[tuple[int, tuple[str, ...]]] = field(default_factory=list)  # offset, open
    skipped: list[tuple[str, int]] = field(default_factory=list)  # entity name, line


def repair_feed_xml(content: bytes) -> RepairedXml:
    """The document, mended where a podcast app would read it whole, and notes on each repair.

    Raises:
        MalformedFeedXml: an entity only an external DTD could define (guessing its text would
            be making data up), or an entity declaration.
    """
    if content[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in content[:4]:
        return RepairedXml(content)  # UTF-16 or UTF-32: feedparser decodes and judges those
    notes: list[str] = []
    doc, removed_lines = _without_leading_junk(content)
    if doc != content:
        notes.append("blank space before the XML declaration ignored")
    repeated = _REPEATED_DECLARATION.match(doc)
    if repeated:
        # A template that prints the declaration twice (a CMS's header, then a plugin's):
        # expat stops at the second ("XML or text declaration not at start of entity").
        # Blanked rather than cut, so that line numbers in later messages stay right.
        start, end = repeated.span(2)
        doc = doc[:start] + re.sub(rb"[^\n]", b" ", doc[start:end]) + doc[end:]
        notes.append("a repeated XML declaration ignored")
    problem = _strict_problem(doc)
    if problem is None:
        return RepairedXml(doc, tuple(notes))
    if problem.code == _UNCHECKABLE:
        return RepairedXml(doc, tuple(notes))  # an encoding expat cannot read: feedparser's call
    doc, reference_notes = _repair_references(doc, keep_unknown=bool(_EXTERNAL_DTD.search(doc)))
    notes.extend(reference_notes)
    # Control characters XML 1.0 forbids even in CDATA (a pasted vertical tab, a form feed):
    # they carry nothing a listener sees, so they go; the two that separate words become spaces.
    doc, controls = _CONTROL_CHARACTER.subn(
        lambda m: b" " if m.group() in (b"\x0b", b"\x0c") else b"", doc
    )
    if controls:
        notes.append(f"{controls} control character(s) XML does not allow removed")
    scan = _scan(doc)
    used, declared = scan.prefixes, scan.declared
    if scan.error is not None and not scan.at_end:
        # The pass stopped at a fault (bytes not in the declared encoding, say) that feedparser
        # may still read past: look for the prefixes of the rest by pattern.
        used = used | {m.decode("ascii") for m in _ELEMENT_PREFIX.findall(doc)}
        declared = declared | {m.decode("ascii") for m in _DECLARED_PREFIX.findall(doc)}
    undeclared = sorted(used - declared - {"xml", "xmlns"})
    if undeclared and scan.root_at is not None:
        doc = _declare(doc, scan.root_at, undeclared)
        names = ", ".join(undeclared)
        notes.append(f"namespace prefix(es) {names} used without an xmlns declaration")
        scan = _scan(doc)
    if scan.skipped:
        name, line = scan.skipped[0]
        raise MalformedFeedXml(
            f"malformed XML at line {line + removed_lines} (undefined entity &{name};, which "
            "only the external DTD could define, and podsift does not read external DTDs)"
        )
    partial = False
    if scan.error is not None:
        mended = _mend_ending(doc, scan, removed_lines)
        if mended is not None:
            doc, note, partial = mended
            notes.append(note)
    final = _strict_problem(doc)
    # Still not well-formed: feedparser judges the document as it now stands. It reads some
    # faults expat cannot (bytes that are not the declared encoding: "declared as utf-8, but
    # parsed as windows-1252"); when it refuses too, `problem` is the message to give.
    checked = final is not None and final.code != _UNCHECKABLE
    remaining = _describe(final, removed_lines) if final is not None and checked else None
    return RepairedXml(doc, tuple(notes), partial, remaining)


def _without_leading_junk(content: bytes) -> tuple[bytes, int]:
    """The document without blank space or stray byte-order marks before its first markup.

    XML allows nothing before `<?xml ...?>`, yet hosts serve a blank line there (a PHP
    include's newline) and podcast apps read on. Returns the document and how many lines went.
    """
    lead = _LEADING_JUNK.match(content)
    if lead is None or lead.group() == _UTF8_BOM:
        return content, 0
    rest = content[lead.end() :]
    if not rest.startswith(b"<?xml") and _UTF8_BOM not in lead.group()[1:]:
        return content, 0  # blank space before the root element is legal XML: nothing to mend
    bom = _UTF8_BOM if _UTF8_BOM in lead.group() else b""
    return bom + rest, lead.group().count(b"\n")


_UNCHECKABLE = -1  # not an expat error code: expat cannot decode the declared encoding


@dataclass(frozen=True, slots=True)
class _Problem:
    code: int
    line: int
    entity: str | None = None


def _strict_problem(doc: bytes) -> _Problem | None:
    """The first fault a namespace-aware, non-validating XML parse finds, or None."""
    parser = _new_parser(namespaces=True)
    skipped: list[tuple[str, int]] = []
    parser.SkippedEntityHandler = lambda name, _pe: skipped.append((name, parser.CurrentLineNumber))
    try:
        parser.Parse(doc, True)
    except expat.ExpatError as exc:
        if exc.code == expat.errors.codes[expat.errors.XML_ERROR_UNKNOWN_ENCODING]:
            return _Problem(_UNCHECKABLE, 0)
        return _Problem(exc.code, exc.lineno)
    except (ValueError, LookupError):
        # "multi-byte encodings are not supported" (Shift_JIS, GB2312, ...); LookupError: an
        # encoding name Python does not know (`encoding="utf8mb4"`, MySQL's name for UTF-8).
        return _Problem(_UNCHECKABLE, 0)
    if skipped:
        name, line = skipped[0]
        return _Problem(expat.errors.codes[expat.errors.XML_ERROR_UNDEFINED_ENTITY], line, name)
    return None


def _describe(problem: _Problem, removed_lines: int) -> str:
    reason = expat.ErrorString(problem.code) or f"expat error {problem.code}"
    if problem.entity:
        reason += f" &{problem.entity};"
    return f"malformed XML at line {problem.line + removed_lines} ({reason})"


def _refuse_entity(*_args: object) -> None:
    # Defence in depth: parse_feed refuses entity declarations before any parser runs.
    raise MalformedFeedXml("declares XML entities, refused for safety")


def _new_parser(*, namespaces: bool) -> expat.XMLParserType:
    parser = expat.ParserCreate(namespace_separator=" " if namespaces else None)
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.EntityDeclHandler = _refuse_entity
    parser.UnparsedEntityDeclHandler = _refuse_entity
    return parser


def _repair_references(doc: bytes, *, keep_unknown: bool) -> tuple[bytes, list[str]]:
    """Entity references XML does not define, made into what a browser would show.

    An HTML entity (`&nbsp;`, `&eacute;`) becomes its character reference; an unknown name
    (`&gtgt;`) and a bare `&` become literal text, as feedparser's own lenient parser keeps
    them. CDATA, comments and processing instructions are left alone: `&` is text there. With
    an external DTD, unknown names are kept: only that DTD could say what they mean.
    """
    html_names: list[str] = []
    unknown: list[str] = []
    bare = 0

    def mend(match: re.Match[bytes]) -> bytes:
        nonlocal bare
        text = match.group()
        if not text.startswith(b"&"):
            return text  # CDATA, comment or PI
        if text == b"&":
            bare += 1
            return b"&amp;"
        name = match.group("name")
        if name is None:
            return text  # a character reference: expat judges it
        word = name.decode("ascii")
        if word in _XML_ENTITIES:
            return text
        replacement = html.entities.html5.get(word + ";")
        if replacement is not None:
            html_names.append(word)
            return "".join(f"&#{ord(c)};" for c in replacement).encode("ascii")
        if keep_unknown:
            return text
        unknown.append(word)
        return b"&amp;" + text[1:]

    mended = _REFERENCE.sub(mend, doc)
    notes = []
    if html_names:
        notes.append(f"HTML entities read as characters ({_some(html_names)})")
    if unknown:
        notes.append(f"unknown entities kept as text ({_some(unknown)})")
    if bare:
        notes.append(f"{bare} bare '&' read as text")
    return mended, notes


def _some(names: list[str]) -> str:
    distinct = list(dict.fromkeys(names))
    shown = ", ".join(f"&{n};" for n in distinct[:MAX_NAMED])
    more = len(distinct) - MAX_NAMED
    return shown + (f" and {more} more" if more > 0 else "")


def _local(name: str) -> str:
    return name.rsplit(":", 1)[-1].lower()


def _scan(doc: bytes) -> _Scan:
    """One namespace-blind pass: the prefixes in use, where items end, and the first error.

    Namespace-blind, so that an undeclared prefix is something to find, not an error.
    """
    found = _Scan()
    parser = _new_parser(namespaces=False)
    stack: list[str] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        if found.root_at is None:
            found.root_at = parser.CurrentByteIndex
        for qname in (name, *attrs):
            if ":" in qname:
                prefix = qname.split(":", 1)[0]
                if prefix == "xmlns":
                    found.declared.add(qname.split(":", 1)[1])
                else:
                    found.prefixes.add(prefix)
        stack.append(name)

    def end(name: str) -> None:
        stack.pop()
        offset = _tag_end(doc, parser.CurrentByteIndex)
        if _local(name) in ITEM_ELEMENTS and stack and _local(stack[-1]) in ITEM_PARENTS:
            found.item_ends.append((offset, tuple(stack)))
        if not stack:
            found.root_end = offset

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.SkippedEntityHandler = lambda name, _pe: found.skipped.append(
        (name, parser.CurrentLineNumber)
    )
    try:
        parser.Parse(doc, False)
        found.at_end = True
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        found.error = exc
    except (ValueError, LookupError):
        found.at_end = False  # an encoding expat cannot read: leave the judgement to feedparser
    return found


def _tag_end(doc: bytes, at: int) -> int:
    """The offset just past the tag that starts at `at` (`</item>`, or `<item/>`)."""
    match = _TAG_END.match(doc, at)
    return match.end() if match else at


def _declare(doc: bytes, root_at: int, prefixes: list[str]) -> bytes:
    """The document with `xmlns:prefix="..."` added to its root element for each prefix."""
    name = _ROOT_NAME.match(doc, root_at)
    if name is None:
        return doc
    declarations = "".join(
        f' xmlns:{p}="{KNOWN_NAMESPACES.get(p, UNKNOWN_NAMESPACE.format(prefix=p))}"'
        for p in prefixes
    )
    return doc[: name.end()] + declarations.encode("ascii") + doc[name.end() :]


def _mend_ending(doc: bytes, scan: _Scan, removed_lines: int) -> tuple[bytes, str, bool] | None:
    """Mend a document whose only fault is how it ends: cut short, or followed by junk.

    Returns the mended document, a note, and whether items were lost; None for any other
    fault, or for a cut before the first item was complete.
    """
    assert scan.error is not None
    error = scan.error
    line = error.lineno + removed_lines
    reason = expat.ErrorString(error.code)
    junk = expat.errors.codes[expat.errors.XML_ERROR_JUNK_AFTER_DOC_ELEMENT]
    if error.code == junk and scan.root_end is not None:
        rest = doc[scan.root_end :]
        if b"<item" not in rest and b"<entry" not in rest:  # else items would be lost unsaid
            return (
                doc[: scan.root_end] + b"\n",
                f"text after the end of the feed ignored (line {line})",
                False,
            )
    if not scan.at_end or not scan.item_ends:
        # A fault in the middle, or a document cut before any item is whole: nothing to keep
        # that could be told apart safely from what was lost.
        return None
    offset, open_elements = scan.item_ends[-1]
    closing = "".join(f"</{name}>" for name in reversed(open_elements))
    try:
        tail = closing.encode("ascii")
    except UnicodeEncodeError:
        return None
    kept = len(scan.item_ends)
    note = (
        f"the document ends early (line {line}: {reason}); the {kept} complete item(s) before "
        "the cut are read, later ones are missing: the feed is partial"
    )
    return doc[:offset] + tail + b"\n", note, True

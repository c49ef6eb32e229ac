"""The "Texte brut" format of comments: what a visitor types is shown as typed, made readable.

Three rules, applied in this order:

1. **escape**: no HTML tag is allowed; every character the visitor typed is escaped once, so
   `<script>` shows as the text "<script>" and nothing the visitor wrote can become markup;
2. **link**: web addresses (`https://…`, `http://…`, `www.…`) and e-mail addresses become links
   with `rel="nofollow ugc"`; `www.` addresses get `https://`; punctuation that ends a sentence
   (".", ",", ")", "»"…) stays out of the link; query strings stay in it;
3. **break lines**: one line break becomes `<br>`, a blank line starts a new paragraph.

Steps 1 and 2 run together on the raw text: the addresses are found in what the visitor typed,
then each piece — the text between addresses, each address's href and visible text — is escaped
on its own. Linking escaped text instead would have to undo `&amp;` inside query strings; this way
each character is escaped exactly once, and the only markup in the result is `<a>` with an
`http:`, `https:` or `mailto:` href, `<br>` and `<p>`.
"""

import re

from django.utils.html import escape
from django.utils.safestring import mark_safe

UGC_REL = "nofollow ugc"

# Where an address starts: "https://", "http://" or "www.", not inside a word, an address or a path.
# It runs until a space, a quote, an angle bracket or a French quotation mark.
_URL = r"(?<![\w@/.:+-])(?:https?://|www\.)[^\s<>\"«»]+"
# An e-mail address: a local part, "@", a domain with a dot and a top-level domain of letters.
# The look-behind makes it start at a word boundary, so a long word is scanned once, not once per
# letter (no quadratic time on a 5,000-character comment).
_EMAIL = r"(?<![\w.+@-])[\w+-][\w.+-]*@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}(?![\w@-])"
LINK_RE = re.compile(rf"(?P<url>{_URL})|(?P<email>{_EMAIL})", re.IGNORECASE)

# Punctuation that ends a sentence rather than an address, when it is the address's last character.
TRAILING = ".,:;!?…'’"
CLOSING = {")": "(", "]": "[", "}": "{"}
# An address is linked only if it starts with a well-formed host (and port): "https://exemple.fr/…",
# "www.exemple.fr:8080?…"; not "https://", "www.", nor "https://javascript:alert(1)".
HOST_RE = re.compile(
    r"(?:https?://[\w-]+(?:\.[\w-]+)*|www\.[\w-]+(?:\.[\w-]+)+)(?::[0-9]{1,5})?(?:[/?#]|$)", re.IGNORECASE
)

PARAGRAPH_BREAK_RE = re.compile(r"\n(?:[^\S\n]*\n)+")
TRAILING_SPACES_RE = re.compile(r"[^\S\n]+\n")


def split_trailing(url):
    """("https://a.fr/x?b=1", ").") for "https://a.fr/x?b=1)." — a closing bracket stays if balanced."""
    end = len(url)
    while end:
        char = url[end - 1]
        if char in TRAILING:
            end -= 1
        elif char in CLOSING and url.count(CLOSING[char], 0, end) < url.count(char, 0, end):
            end -= 1
        else:
            break
    return url[:end], url[end:]


def _anchor(href, text, rel):
    rel_attribute = f' rel="{rel}"' if rel else ""
    return f'<a href="{escape(href)}"{rel_attribute}>{escape(text)}</a>'


def escape_and_link(text, *, rel=UGC_REL):
    """Steps 1 and 2: the text escaped, with its web and e-mail addresses as links."""
    pieces, position = [], 0
    for match in LINK_RE.finditer(text):
        if match.group("url"):
            address, rest = split_trailing(match.group("url"))
            if not HOST_RE.match(address):
                continue  # "https://" or "www." alone: plain text
            href = address if "://" in address[:8] else f"https://{address}"
        else:
            address, rest = match.group("email"), ""
            href = f"mailto:{address}"
        pieces.append(escape(text[position : match.start()]))
        pieces.append(_anchor(href, address, rel))
        pieces.append(escape(rest))
        position = match.end()
    pieces.append(escape(text[position:]))
    return "".join(pieces)


def break_lines(html):
    """Step 3: a blank line starts a new paragraph, a line break becomes <br>."""
    html = TRAILING_SPACES_RE.sub("\n", html).strip()
    if not html:
        return ""
    paragraphs = PARAGRAPH_BREAK_RE.split(html)
    return "\n".join(f"<p>{paragraph.replace(chr(10), '<br>')}</p>" for paragraph in paragraphs)


def render_plain_text(text, *, rel=UGC_REL):
    """A plain text (a comment, an article's body) as safe HTML paragraphs."""
    text = str(text or "").replace("\r\n", "\n").replace("\r", "\n")
    return mark_safe(break_lines(escape_and_link(text, rel=rel)))  # every piece was escaped above

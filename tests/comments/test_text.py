"""The "Texte brut" format: escape, then link, then break lines (comments/text.py)."""

import html
import re
from html.parser import HTMLParser

import pytest
from django.template import Context, Template

from comments.text import render_plain_text
from tests.comments.xss import XSS_PAYLOADS

UGC = 'rel="nofollow ugc"'


def link(href, text=None):
    return f'<a href="{href}" {UGC}>{text if text is not None else href}</a>'


RENDERING = [
    # Addresses, their query strings and the punctuation around them
    (
        "Voir https://exemple.fr/page?a=1&b=2.",
        f"<p>Voir {link('https://exemple.fr/page?a=1&amp;b=2')}.</p>",
    ),
    (
        "Lien : https://exemple.fr/?q=promeneurs+du+net&page=2#haut, voilà",
        f"<p>Lien : {link('https://exemple.fr/?q=promeneurs+du+net&amp;page=2#haut')}, voilà</p>",
    ),
    ("Tu connais https://exemple.fr?", f"<p>Tu connais {link('https://exemple.fr')}?</p>"),
    ("C’est là : https://exemple.fr/a;", f"<p>C’est là : {link('https://exemple.fr/a')};</p>"),
    ("Regarde https://exemple.fr/x!", f"<p>Regarde {link('https://exemple.fr/x')}!</p>"),
    ("(voir https://exemple.fr/page)", f"<p>(voir {link('https://exemple.fr/page')})</p>"),
    (
        "(voir https://fr.wikipedia.org/wiki/Promenade_(loisir)).",
        f"<p>(voir {link('https://fr.wikipedia.org/wiki/Promenade_(loisir)')}).</p>",
    ),
    ("[https://exemple.fr/a]", f"<p>[{link('https://exemple.fr/a')}]</p>"),
    ("« https://exemple.fr/été »", f"<p>« {link('https://exemple.fr/été')} »</p>"),
    ("«https://exemple.fr»", f"<p>«{link('https://exemple.fr')}»</p>"),
    ("Suite : https://exemple.fr/article…", f"<p>Suite : {link('https://exemple.fr/article')}…</p>"),
    ("'https://exemple.fr/a'", f"<p>&#x27;{link('https://exemple.fr/a')}&#x27;</p>"),
    ("Deux : https://a.fr, https://b.fr.", f"<p>Deux : {link('https://a.fr')}, {link('https://b.fr')}.</p>"),
    ("http://exemple.fr/vieux", f"<p>{link('http://exemple.fr/vieux')}</p>"),
    ("HTTPS://EXEMPLE.FR/A", f"<p>{link('HTTPS://EXEMPLE.FR/A')}</p>"),
    # www. addresses get https://
    (
        "Va sur www.promeneursdunet.fr !",
        f"<p>Va sur {link('https://www.promeneursdunet.fr', 'www.promeneursdunet.fr')} !</p>",
    ),
    (
        "www.exemple.fr/page?x=1&y=2.",
        f"<p>{link('https://www.exemple.fr/page?x=1&amp;y=2', 'www.exemple.fr/page?x=1&amp;y=2')}.</p>",
    ),
    ("WWW.EXEMPLE.FR", f"<p>{link('https://WWW.EXEMPLE.FR', 'WWW.EXEMPLE.FR')}</p>"),
    # Not addresses
    ("https:// puis www. puis www.sans-point", "<p>https:// puis www. puis www.sans-point</p>"),
    ("exemple.fr sans préfixe", "<p>exemple.fr sans préfixe</p>"),
    ("ftp://exemple.fr/fichier", "<p>ftp://exemple.fr/fichier</p>"),
    # E-mail addresses
    (
        "Écris à contact@exemple.fr.",
        f"<p>Écris à {link('mailto:contact@exemple.fr', 'contact@exemple.fr')}.</p>",
    ),
    (
        "jean.dupont+pdn@sous.exemple.fr, merci",
        f"<p>{link('mailto:jean.dupont+pdn@sous.exemple.fr', 'jean.dupont+pdn@sous.exemple.fr')}, merci</p>",
    ),
    ("(lea@exemple.fr)", f"<p>({link('mailto:lea@exemple.fr', 'lea@exemple.fr')})</p>"),
    ("pas@une-adresse ni @pseudo", "<p>pas@une-adresse ni @pseudo</p>"),
    (
        "https://exemple.fr/?contact=jean@exemple.fr",
        f"<p>{link('https://exemple.fr/?contact=jean@exemple.fr')}</p>",
    ),
    # Line breaks and paragraphs
    ("ligne 1\nligne 2", "<p>ligne 1<br>ligne 2</p>"),
    ("paragraphe 1\n\nparagraphe 2", "<p>paragraphe 1</p>\n<p>paragraphe 2</p>"),
    ("a\n\n\n\nb", "<p>a</p>\n<p>b</p>"),
    ("a\n   \nb", "<p>a</p>\n<p>b</p>"),
    ("a\r\nb\r\n\r\nc", "<p>a<br>b</p>\n<p>c</p>"),
    ("a\rb", "<p>a<br>b</p>"),
    ("fin de ligne   \nsuite", "<p>fin de ligne<br>suite</p>"),
    ("\n\n  texte  \n\n", "<p>texte</p>"),
    (
        "https://exemple.fr/a\nhttps://exemple.fr/b",
        f"<p>{link('https://exemple.fr/a')}<br>{link('https://exemple.fr/b')}</p>",
    ),
    ("", ""),
    ("   \n  ", ""),
    # No tag is allowed: shown as typed
    ("<b>gras</b> & <i>italique</i>", "<p>&lt;b&gt;gras&lt;/b&gt; &amp; &lt;i&gt;italique&lt;/i&gt;</p>"),
    ("5 < 6 & 7 > 3", "<p>5 &lt; 6 &amp; 7 &gt; 3</p>"),
    ("&amp; &#60;", "<p>&amp;amp; &amp;#60;</p>"),
]


@pytest.mark.parametrize(("text", "expected"), RENDERING)
def test_rendering(text, expected):
    assert render_plain_text(text) == expected


def test_the_template_filter_renders_the_same_and_escapes_safe_strings_too():
    template = Template("{% load plain_text %}{{ body|plain_text }}|{{ body|plain_text:'editorial' }}")
    rendered = template.render(Context({"body": "<b>x</b> www.exemple.fr\n\nfin"}))
    ugc, editorial = rendered.split("|")
    assert ugc == render_plain_text("<b>x</b> www.exemple.fr\n\nfin")
    assert editorial == (
        '<p>&lt;b&gt;x&lt;/b&gt; <a href="https://www.exemple.fr">www.exemple.fr</a></p>\n<p>fin</p>'
    )
    from django.utils.safestring import mark_safe

    assert str(render_plain_text(mark_safe("<script>"))) == "<p>&lt;script&gt;</p>"


class Inspector(HTMLParser):
    """The tags, attributes and text of an HTML fragment, as a browser's tokenizer sees them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.text = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def unknown_decl(self, data):
        raise AssertionError(f"declaration in the output: {data}")

    def handle_comment(self, data):
        raise AssertionError(f"comment in the output: {data}")


def inspect(fragment):
    inspector = Inspector()
    inspector.feed(fragment)
    inspector.close()
    return inspector


SAFE_HREF = re.compile(r'(?:https?://|mailto:)[^\s"<>]+', re.IGNORECASE)


def assert_inert(fragment):
    """Only <p>, <br> and <a href=http(s)/mailto rel="nofollow ugc">: nothing that can run."""
    for tag, attrs in inspect(fragment).tags:
        assert tag in {"p", "br", "a"}, (tag, fragment)
        if tag == "a":
            assert set(attrs) == {"href", "rel"}, fragment
            assert attrs["rel"] == "nofollow ugc"
            assert SAFE_HREF.fullmatch(attrs["href"]), attrs["href"]
        else:
            assert attrs == {}, fragment


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_xss_payload_gives_no_executable_element_and_is_shown_as_typed(payload):
    rendered = str(render_plain_text(payload))
    assert_inert(rendered)
    assert "<script" not in rendered.lower()
    assert not re.search(r"<[a-z]+[^>]*\son[a-z]+\s*=", rendered, re.IGNORECASE)
    # Nothing is lost: the text a reader sees is what was typed (line breaks aside).
    seen = "".join(inspect(rendered).text)
    assert seen == "".join(line.strip() for line in payload.strip().splitlines())


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_xss_payload_inside_text_with_addresses_and_paragraphs_stays_inert(payload):
    text = (
        f"Bonjour www.exemple.fr\n{payload}\n\nÉcris à lea@exemple.fr : {payload} https://exemple.fr/?a=1&b=2"
    )
    assert_inert(str(render_plain_text(text)))


def test_links_are_only_http_https_or_mailto_and_never_carry_the_payload_outside_href():
    rendered = str(render_plain_text('https://exemple.fr/"onmouseover="alert(1)'))
    assert rendered == (f"<p>{link('https://exemple.fr/')}&quot;onmouseover=&quot;alert(1)</p>")
    assert html.unescape(rendered).count('"') == 6  # the 4 of the tag's attributes, and the 2 typed


def test_a_long_text_without_spaces_is_rendered_in_reasonable_time():
    # Pathological inputs for the address patterns: one scan each, not one per character.
    for text in ["a" * 5000, "a." * 2500, "a@" * 2500, "www." * 1250, "https://" + "a" * 4990]:
        assert_inert(str(render_plain_text(text)))

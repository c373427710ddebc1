"""Main content for `markdown` and `text`: the article, not the page's chrome; scored on real pages."""

from __future__ import annotations

import json
from typing import Any

import pytest
from selectolax.lexbor import LexborHTMLParser

from backend_fastapi.scraping import maincontent
from backend_fastapi.scraping.formats import content_nodes, render, to_markdown, to_text
from backend_fastapi.scraping.maincontent import ContentOptions, main_content
from tests.support.quality import (
    BASE_URL,
    evaluate,
    load_pages,
    load_snippet_pages,
    mean_score,
    score,
    snippet_score,
)

BASE = "https://news.example/2024/05/story.html"
SENTENCE = "The council voted on Tuesday to rebuild the old harbour wall, after storms in March and April"
ARTICLE_TEXT = " ".join(f"{SENTENCE} (part {i}), and the work starts in June." for i in range(3))


def _page(article: str, extra: str = "") -> str:
    return f"""<html><head><title>Story</title><script>var x = "not content";</script></head><body>
    <div class="cookie-banner">We use cookies to improve your experience. Accept all cookies?</div>
    <header class="site-header"><a href="/">News</a><nav><a href="/world">World</a>
      <a href="/sport">Sport</a><a href="/culture">Culture</a></nav></header>
    <div class="layout"><article class="story">{article}</article>
    <aside class="sidebar"><h3>Most read</h3><ul><li><a href="/a">Another story people read</a></li>
      <li><a href="/b">Yet another story people read</a></li></ul></aside></div>
    <div class="share-bar"><a href="https://social.example/share">Share</a> <a href="#">Tweet</a></div>
    <div id="comments"><p>First comment, what a story this is, really, wow.</p></div>
    {extra}
    <footer>Copyright News Ltd, all rights reserved, 2024.</footer></body></html>"""


def _article() -> str:
    return f"""<h1>Harbour wall to be rebuilt</h1>
    <p>{ARTICLE_TEXT}</p>
    <h2>What happens next</h2>
    <p>Engineers said the wall, built in 1890, had cracked in three places, and <a href="/report">the
    report</a> is online.</p>
    <ul><li>Phase one: the north pier, in June</li><li>Phase two: the south pier, in September</li></ul>
    <table><tr><th>Phase</th><th>Cost</th></tr><tr><td>North</td><td>1.2m</td></tr>
      <tr><td>South</td><td>0.8m</td></tr></table>
    <figure><img src="/img/wall.jpg" alt="The wall">
      <figcaption>The wall in March, after the storm.</figcaption></figure>
    <pre><code>cost = north + south</code></pre>
    <p>Residents, who had asked for repairs since 2019, welcomed the decision on Tuesday evening.</p>"""


def test_text_is_the_article_without_the_page_chrome() -> None:
    text = to_text(_page(_article()), BASE)
    assert text.startswith("Harbour wall to be rebuilt")
    assert "Residents, who had asked for repairs" in text
    for chrome in ("cookies", "World", "Most read", "Tweet", "First comment", "Copyright", "not content"):
        assert chrome not in text, chrome


def test_markdown_keeps_headings_lists_tables_links_images_and_code() -> None:
    markdown = to_markdown(_page(_article()), BASE)
    assert "# Harbour wall to be rebuilt" in markdown
    assert "## What happens next" in markdown
    assert "[the report](https://news.example/report)" in markdown
    assert "- Phase one: the north pier, in June" in markdown
    assert "| Phase | Cost |" in markdown
    assert "| North | 1.2m |" in markdown
    assert "![The wall](https://news.example/img/wall.jpg)" in markdown
    assert "```\ncost = north + south\n```" in markdown
    assert "Most read" not in markdown


def test_markdown_keeps_nested_lists_code_languages_and_quoted_paragraphs() -> None:
    nested = (
        '<ul><li>Piers <a href="/piers">of the harbour</a><ul><li>North</li><li>South<ol start="3">'
        "<li>Third step</li></ol></li></ul></li><li>Walls</li></ul>"
    )
    code = '<pre class="highlight"><code class="language-python">def cost(x):\n    return x * 2</code></pre>'
    quote = "<blockquote><p>We will rebuild it.</p><p>Stronger than before.</p></blockquote>"
    inline = "<p>Run <code>say `hi`</code> first.</p>"
    markdown = to_markdown(_page(_article() + nested + code + quote + inline), BASE)
    piers = "- Piers [of the harbour](https://news.example/piers)"
    assert f"{piers}\n  - North\n  - South\n    3. Third step\n- Walls" in markdown
    assert "```python\ndef cost(x):\n    return x * 2\n```" in markdown
    assert "> We will rebuild it.\n>\n> Stronger than before." in markdown
    assert "`` say `hi` ``" in markdown


def test_markdown_gives_a_lazy_image_its_real_address_and_strikes_deleted_text() -> None:
    images = (
        '<p><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" data-src="/img/pier.jpg" alt="Pier"></p>'
        '<p><img srcset="/img/wall-320.jpg 320w, /img/wall-640.jpg 640w" alt="Wall"></p>'
        '<p><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" alt="Spacer"></p>'
        "<p>The cost was <del>2.1m</del> 2.0m.</p>"
    )
    markdown = to_markdown(_page(_article() + images), BASE)
    assert "![Pier](https://news.example/img/pier.jpg)" in markdown
    assert "![Wall](https://news.example/img/wall-320.jpg)" in markdown
    assert "data:" not in markdown
    assert "~~2.1m~~ 2.0m" in markdown


def test_the_heading_that_repeats_the_page_title_is_left_out_of_the_body() -> None:
    html = _page(_article()).replace(
        "<title>Story</title>", "<title>Harbour wall to be rebuilt | News</title>"
    )
    text = to_text(html, BASE)
    assert text.startswith("The council voted on Tuesday")
    assert "What happens next" in text


def test_only_main_content_false_keeps_the_whole_page_but_not_scripts() -> None:
    text = to_text(_page(_article()), BASE, ContentOptions(only_main_content=False))
    assert "Most read" in text
    assert "Copyright" in text
    assert "Harbour wall to be rebuilt" in text
    assert "not content" not in text


def test_exclude_selectors_remove_elements_before_the_content_is_chosen() -> None:
    options = ContentOptions(exclude_selectors=("table", "figure"))
    markdown = to_markdown(_page(_article()), BASE, options)
    assert "| Phase |" not in markdown
    assert "wall.jpg" not in markdown
    assert "What happens next" in markdown


def test_include_selectors_pick_the_content_outright_in_page_order() -> None:
    options = ContentOptions(include_selectors=("footer", "h2"))
    text = to_text(_page(_article()), BASE, options)
    assert text == "What happens next\n\nCopyright News Ltd, all rights reserved, 2024."


def test_include_and_exclude_selectors_combine() -> None:
    options = ContentOptions(include_selectors=("article",), exclude_selectors=("pre", "ul"))
    text = to_text(_page(_article()), BASE, options)
    assert text.startswith("Harbour wall to be rebuilt")
    assert "Phase one" not in text
    assert "cost = north" not in text


def test_a_page_without_paragraphs_gives_its_main_element() -> None:
    html = "<body><nav><a href=/>Home</a></nav><main><h1>Blue Mug</h1><p>EUR 9</p></main></body>"
    assert to_text(html, BASE) == "Blue Mug\n\nEUR 9"


def test_nested_boilerplate_is_removed_without_touching_freed_nodes() -> None:
    nested = (
        '<nav><div hidden><nav><div style="display:none"><nav>x</nav></div></nav></div></nav>'
        '<div hidden><nav><span aria-hidden="true"><footer class="share">y</footer></span></nav></div>'
    ) * 50
    text = to_text(_page(_article(), extra=nested), BASE)
    assert text.startswith("Harbour wall to be rebuilt")


def test_a_page_wrapped_in_one_form_keeps_its_article() -> None:
    html = (
        _page(_article())
        .replace("<body>", "<body><form action=/postback>")
        .replace("</body>", "</form></body>")
    )
    assert to_text(html, BASE).startswith("Harbour wall to be rebuilt")


def test_a_scored_paragraph_inside_a_removed_share_box_is_never_chosen() -> None:
    box = (
        '<div class="share-box"><p>Share this, with friends, family, colleagues, and, well, anyone.</p></div>'
    )
    page = f"<body>{box * 3}<div><p>{SENTENCE}.</p><p>{SENTENCE}, again.</p></div></body>"
    # The scores alone: on a page this short the second opinion would answer instead.
    text = render(main_content(page, use_library=False), BASE, plain=True)
    assert "Share this" not in text
    assert text.startswith("The council voted")


def _opinion(words: int) -> list[Any]:
    """A second opinion of `words` words, as the content element trafilatura's answer becomes."""
    node = LexborHTMLParser(f"<div><p>{'second opinion ' * words}</p></div>").css_first("div")
    return [node]


def test_a_confident_choice_never_asks_for_a_second_opinion(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(html: str, exclude: object = ()) -> None:
        raise AssertionError("asked")

    monkeypatch.setattr(maincontent, "second_opinion", refuse)
    assert to_text(_page(_article()), BASE).startswith("Harbour wall to be rebuilt")


def test_an_unsure_choice_takes_the_second_opinion_unless_its_own_is_far_longer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The article sits in a wrapper whose class says "header", with less than half the page's text
    # (a long list of links is the rest): the class guesses drop it.
    paragraphs = "".join(f"<p>{SENTENCE}, part {i}.</p>" for i in range(5))
    links = "".join(f'<li><a href="/{i}">{SENTENCE}, link {i}</a></li>' for i in range(8))
    wrapped = (
        f'<body><div class="menu"><a href="/">Home</a></div><div class="top-header">{paragraphs}</div>'
        f"<ul>{links}</ul></body>"
    )
    assert maincontent.second_opinion(wrapped) is not None  # trafilatura finds it too

    monkeypatch.setattr(maincontent, "second_opinion", lambda html, exclude=(): _opinion(60))
    assert render(main_content(wrapped), BASE, plain=True).startswith("second opinion")
    monkeypatch.setattr(maincontent, "second_opinion", lambda html, exclude=(): _opinion(10))
    assert render(main_content(wrapped), BASE, plain=True).startswith("The council voted")


def test_a_strong_block_that_is_a_small_part_of_the_page_takes_a_longer_second_opinion(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Five strong paragraphs, and ten times their text in list items that cast no votes (a guide's
    # steps): the best block is a small part of what the page says.
    paragraphs = "".join(f"<p>{SENTENCE}, part {i}.</p>" for i in range(5))
    steps = "".join(f"<li>Step {i}: {SENTENCE} and then the next step follows on.</li>" for i in range(40))
    page = f'<body><div class="story">{paragraphs}</div><ul class="guide">{steps}</ul></body>'

    monkeypatch.setattr(maincontent, "second_opinion", lambda html, exclude=(): _opinion(300))
    assert render(main_content(page), BASE, plain=True).startswith("second opinion")
    monkeypatch.setattr(maincontent, "second_opinion", lambda html, exclude=(): _opinion(20))
    assert render(main_content(page), BASE, plain=True).startswith("The council voted")
    assert render(main_content(page, use_library=False), BASE, plain=True).startswith("The council voted")


def test_a_page_too_short_to_hide_an_article_gets_no_second_opinion() -> None:
    assert maincontent.second_opinion(f"<body><p>{SENTENCE}.</p></body>") is None


def test_blocks_a_site_repeats_across_a_crawl_are_dropped_from_its_later_pages() -> None:
    repeated = maincontent.RepeatedBlocks(min_pages=2)
    box = "<p>Stay informed: our newsletter brings the best stories every Friday.</p>"

    def page(i: int) -> str:
        story = f"<p>{SENTENCE}, in story number {i}, said the council.</p>" * 4
        return f"<body><article><h1>Story {i}</h1>{story}{box}</article></body>"

    texts = [
        render(content_nodes(page(i), repeated=repeated, site="news.example"), BASE, plain=True)
        for i in range(4)
    ]
    assert ["Stay informed" in text for text in texts] == [True, True, False, False]
    assert all(f"story number {i}" in text for i, text in enumerate(texts))
    # Another site's pages are counted apart.
    other = render(content_nodes(page(9), repeated=repeated, site="other.example"), BASE, plain=True)
    assert "Stay informed" in other


def test_a_full_repeated_block_count_stops_counting_new_blocks() -> None:
    repeated = maincontent.RepeatedBlocks(min_pages=1, max_blocks=1)
    for _ in range(3):
        repeated.drop(main_content(f"<body><p>{SENTENCE}.</p><p>Another line here.</p></body>"), "site")
    assert len(repeated.counts) == 1


def test_a_grid_column_class_does_not_keep_a_notice_the_class_names_as_boilerplate() -> None:
    notice = "This post is from our readers' community blog, written by one of its members."
    paragraphs = "".join(f"<p>{SENTENCE}, part {i}.</p>" for i in range(6))
    page = f'<body><article><div class="column community-notice">{notice}</div>{paragraphs}</article></body>'
    text = to_text(page, BASE)
    assert "part 5" in text
    assert notice not in text


def test_a_short_page_read_without_the_guesses_loses_its_share_and_like_labels() -> None:
    # Too short for the scores to be sure: the page is read again without the class and id guesses,
    # and that reading gets the same label cleaning.
    note = "A short note about the new year and the plans we made for it, written on the first day."
    page = (
        f'<body><div class="entry"><p>{note}</p><p>PDF: <a href="/plans.pdf">the plans</a></p>'
        '<div class="sharedaddy"><h3 class="sd-title">Teilen Sie dies mit:</h3>'
        '<ul><li><a href="/t">Twitter</a></li></ul></div>'
        '<div class="likes"><h3>Gefällt mir:</h3><p>Gefällt mir Wird geladen...</p></div>'
        "<h3>Ähnliche Beiträge</h3></div></body>"
    )
    text = to_text(page, BASE)
    assert text.startswith(note)
    assert "PDF: the plans" in text
    for label in ("Teilen Sie", "Gefällt mir", "Ähnliche Beiträge"):
        assert label not in text


def test_the_questions_of_an_accordion_stay_though_their_class_says_header() -> None:
    questions = [f"How is the interest on loan number {i} worked out?" for i in range(3)]
    items = "".join(
        f'<div class="card"><div class="card-header"><div class="title">{question}</div></div>'
        f'<div class="collapse"><div class="card-body"><p>{SENTENCE}, answer {i}.</p></div></div></div>'
        for i, question in enumerate(questions)
    )
    paragraphs = "".join(f"<p>{SENTENCE}, part {i}.</p>" for i in range(4))
    site_header = (
        '<div class="site-header"><a href="/">Home</a> <a href="/loans">Loans</a> '
        '<a href="/cards">Cards</a> <a href="/about">About us</a></div>'
    )
    page = f'<body>{site_header}<div class="page-body"><article>{paragraphs}{items}</article></div></body>'
    text = to_text(page, BASE)
    assert all(question in text for question in questions)
    assert "answer 2" in text
    # A header of links before the page's body is still the site's header.
    assert "About us" not in text


def test_the_standfirst_in_the_article_header_comes_before_the_body() -> None:
    lead = "The harbour wall will be rebuilt after this spring's storms, the council decided on Tuesday."
    header = f'<div class="story-header"><h1>Harbour wall</h1><p class="article-lead">{lead}</p></div>'
    body = f'<div class="story-body">{"".join(f"<p>{SENTENCE}, part {i}.</p>" for i in range(6))}</div>'
    page = f'<body><div class="nav-menu"><a href="/">Home</a></div><article>{header}{body}</article></body>'
    text = to_text(page, BASE)
    assert text.startswith(lead)
    assert text.count(lead) == 1
    # A lead far from the article (another block of the page) stays out.
    elsewhere = f'<body><div><div><div><div><p class="lead">{lead}</p></div></div></div></div>{body}</body>'
    assert lead not in to_text(elsewhere, BASE)


def test_the_standfirst_is_found_when_the_body_opens_with_markup_across_lines() -> None:
    lead = "The harbour wall will be rebuilt after this spring's storms, the council decided on Tuesday."
    # The page's description repeats the lead in the head: its place there says nothing of the order.
    head = f'<head><meta name="description" content="{lead}"></head>'
    header = f'<div class="story-header"><h2 class="article-lead"><span>{lead}</span></h2></div>'
    opening = "<p>Normally a <b>storm</b>\n only moves stones around, but this one broke the wall.</p>"
    paragraphs = "".join(f"<p>{SENTENCE}, part {i}.</p>" for i in range(6))
    body = f'<div class="story-text">{opening}{paragraphs}</div>'
    text = to_text(f"<html>{head}<body><article>{header}{body}</article></body></html>", BASE)
    assert text.startswith(lead)


def test_the_block_repeating_the_meta_description_is_the_standfirst_even_without_a_stop() -> None:
    subtitle = "Harbour wall to be rebuilt by the council after the storms of this spring"
    head = f'<head><meta property="og:description" content="  {subtitle} "></head>'
    # In the page's header, which the drops remove, and worded as a headline (no final stop).
    header = f'<div class="page-header"><h1>Harbour wall</h1><h2 class="sub">{subtitle}</h2></div>'
    body = f'<div class="story-body">{"".join(f"<p>{SENTENCE}, part {i}.</p>" for i in range(6))}</div>'
    text = to_text(f"<html>{head}<body><article>{header}{body}</article></body></html>", BASE)
    assert text.startswith(subtitle)
    assert text.count(subtitle) == 1
    # Without the description it is a headline like any other; after the article it is a teaser.
    assert subtitle not in to_text(f"<html><body><article>{header}{body}</article></body></html>", BASE)
    teaser = f'<div class="page-footer"><h2 class="sub">{subtitle}</h2></div>'
    assert subtitle not in to_text(f"<html>{head}<body><article>{body}{teaser}</article></body></html>", BASE)


def test_the_described_standfirst_in_the_header_block_just_before_a_top_level_article_is_found() -> None:
    lead = "Harbour wall to be rebuilt by the council after the storms of this spring"
    head = f'<head><meta name="description" content="{lead}"></head>'
    header = f'<section class="intro"><div><div><div><div><h2>{lead}</h2></div></div></div></div></section>'
    body = f'<section class="story">{"".join(f"<p>{SENTENCE}, part {i}.</p>" for i in range(6))}</section>'
    assert to_text(f"<html>{head}<body>{header}{body}</body></html>", BASE).startswith(lead)
    # Two blocks away it belongs to something else.
    between = '<section class="promo"><p>Subscribe to the harbour newsletter for the week.</p></section>'
    assert lead not in to_text(f"<html>{head}<body>{header}{between}{body}</body></html>", BASE)


def test_an_article_split_into_page_builder_rows_is_read_whole_from_its_named_body() -> None:
    def row(inner: str) -> str:
        # As deep as the builders nest: beyond the reach of a paragraph's votes.
        column = (
            f'<div class="vc_column"><div class="inner"><div class="wpb_wrapper">{inner}</div></div></div>'
        )
        return f'<div class="vc_row"><div class="row-inner">{column}</div></div>'

    main = "".join(f"<p>{SENTENCE}, part {i}.</p>" for i in range(5))
    table = "<table><tr><th>Pier</th><th>Cost</th></tr><tr><td>North pier</td><td>1.2m</td></tr></table>"
    body = row(main) + row(f"<p>Costs by pier:</p>{table}") + row("<p>Weather allowing.</p>")
    page = f'<body><nav-bar></nav-bar><article><div class="entry-content">{body}</div></article></body>'
    text = to_text(page, BASE)
    assert "part 4" in text
    assert "| North pier" in to_markdown(page, BASE)
    assert "Weather allowing" in text


def test_blocks_sharing_the_first_class_word_of_the_best_one_are_one_article() -> None:
    paragraphs = "".join(f"<p>{SENTENCE}, part {i}.</p>" for i in range(6))
    # The article's blocks differ in their other class words; a short one scores little on its own.
    quote = "<p>We will rebuild it stronger than it was, said the mayor, standing at the harbour.</p>"
    blocks = (
        f'<div class="block block--text">{paragraphs}</div>'
        f'<div class="block block--quote">{quote}</div>'
        '<div class="teaser-list"><p>Another story, about the weather, in short form.</p></div>'
    )
    text = to_text(f"<body><div class='page'>{blocks}</div></body>", BASE)
    assert "said the mayor" in text
    assert "Another story" not in text


def test_a_teaser_headline_classed_as_a_summary_is_no_standfirst() -> None:
    headline = "Council Decision on the Harbour Wall Is Subject of an Inquiry"
    teaser = f'<div class="story-teaser"><p class="summary">{headline}</p></div>'
    body = f'<div class="story-body">{"".join(f"<p>{SENTENCE}, part {i}.</p>" for i in range(6))}</div>'
    assert headline not in to_text(f"<body><article>{teaser}{body}</article></body>", BASE)


def test_a_section_headed_as_other_reading_goes_with_its_teasers() -> None:
    teasers = "".join(
        f"<div class='card'><p>Teaser {i}: a longer line about another story, with a few words of it.</p>"
        f"<a href='/s{i}'>Read it</a></div>"
        for i in range(3)
    )
    article = _article() + f"<div class='box'><h2>Lesen Sie auch</h2></div>{teasers}"
    text = to_text(_page(article), BASE)
    assert "Residents, who had asked for repairs" in text
    assert "Lesen Sie auch" not in text
    assert "Teaser" not in text
    # A heading of the article itself keeps what follows it, even one that starts like a related box.
    assert "What happens next" in text
    assert "had cracked in three places" in text
    own = _article() + f"<h2>Related work</h2><p>{SENTENCE}, as the engineers wrote in 2019.</p>"
    assert "as the engineers wrote in 2019" in to_text(_page(own), BASE)


def test_a_teaser_box_named_text_does_not_outrank_the_article() -> None:
    teaser = '<div class="teaser-textbox"><p>Read also: a short teaser, about, other, things.</p></div>'
    body = "".join(f'<div class="step"><p>{SENTENCE}, step {i}.</p></div>' for i in range(6))
    text = to_text(f"<body>{teaser}<div class='steps'>{body}</div></body>", BASE)
    assert "teaser" not in text
    assert "step 5" in text


def test_labels_and_headings_left_without_their_links_are_dropped() -> None:
    links = '<li><a href="/x">Another story</a></li><li><a href="/y">One more</a></li>'
    related = f"<h3>Related coverage</h3><ul>{links}</ul>"
    labels = (
        "<p>Advertisement</p><p>Foto: Jane Doe / Agency</p><p>Kategorie: News</p>"
        "<p><strong>À lire aussi »</strong></p><p>Leggi anche:</p><div>© Harbour Photos / Agency</div>"
        "<p><span>© Provided by the council</span> The pier was closed to walkers for the whole week.</p>"
        "<p><a href='/list'>Zurück</a></p><div>Lade weitere Inhalte</div><p>Kommentare schreiben</p>"
        "<p>zurück zur Listenansicht</p>"
    )
    article = _article().replace("</p>", f"</p>{labels}<a href=/c>3 Kommentare</a>", 1)
    picture = '<img src="/o.jpg"><figcaption><h3>Trains every hour</h3></figcaption>'
    card = f'<a href="/other"><figure>{picture}</figure></a>'
    text = to_text(_page(article.replace("<pre>", f"{card}<pre>") + related), BASE)
    assert "Trains every hour" not in text
    assert "Residents, who had asked" in text
    for label in ("Advertisement", "Foto:", "Kategorie", "Kommentare", "Related coverage", "Another story",
                  "lire aussi", "Leggi", "Harbour Photos", "Zurück", "Lade weitere",
                  "Listenansicht"):  # fmt: skip
        assert label not in text, label
    # A credit inside a line of text is part of that line.
    assert "© Provided by the council The pier was closed" in text
    topics = ", ".join(f'<a href="/topic/{i}">harbour topic number {i}</a>' for i in range(5))
    told = "<p>Topics: the council listed the harbour, the piers and the sea wall as its first works.</p>"
    text = to_text(_page(_article() + f'<p class="topics">Topics: {topics}</p>' + told), BASE)
    assert "harbour topic number" not in text
    assert "Topics: the council listed" in text  # a sentence, not a list of links


def test_a_hidden_body_or_an_excluded_body_is_not_removed_from_under_the_writer() -> None:
    html = f'<body hidden style="display:none"><p>{SENTENCE}, in a body shown by a script.</p></body>'
    assert to_text(html, BASE).startswith("The council voted")
    options = ContentOptions(exclude_selectors=("body",))
    assert to_text(html, BASE, options).startswith("The council voted")
    whole = ContentOptions(only_main_content=False, exclude_selectors=("body", "p"))
    assert to_text(html, BASE, whole) == ""


def test_json_ld_article_body_wins_when_the_markup_holds_another_text() -> None:
    body = " ".join(f"Sentence number {i} of the real article body, told in full." for i in range(40))
    ld = json.dumps({"@type": "NewsArticle", "mainEntity": {"@type": "Article", "articleBody": body}})
    html = _page(_article(), extra=f'<script type="application/ld+json">{ld}</script>')
    text = to_text(html, BASE)
    assert text.startswith("Sentence number 0 of the real article body")
    assert "Harbour wall" not in text


def test_json_ld_article_body_agreeing_with_the_markup_keeps_the_markup() -> None:
    ld = json.dumps({"@type": "NewsArticle", "articleBody": f"{ARTICLE_TEXT} " * 3})
    html = _page(_article(), extra=f'<script type="application/ld+json">{ld}</script>')
    assert "## What happens next" in to_markdown(html, BASE)


def test_text_drops_soft_hyphens_and_writes_each_letter_one_way() -> None:
    # "Mit-tel-al-ter" with soft hyphens, and an "e" followed by a combining acute accent.
    article = "<p>Schon im Mit\u00adtel\u00adal\u00adter war der Cafe\u0301 bekannt, sagt man hier.</p>"
    text = to_text(_page(article * 4), BASE)
    assert "Schon im Mittelalter war der Caf\u00e9 bekannt" in text
    assert "\u00ad" not in to_markdown(_page(article * 4), BASE)


def test_ruby_readings_are_not_read_as_words_of_the_text() -> None:
    sentence = "".join(
        f"<ruby>{c}<rp>(</rp><rt>{r}</rt><rp>)</rp></ruby>、" for c, r in (("子", "こ"), ("親", "おや"))
    )
    text = to_text(_page(f"<p>{sentence * 20}</p><p>{ARTICLE_TEXT}</p>"), BASE)
    assert "子、親、" in text
    assert "こ" not in text
    assert "おや" not in text


def test_a_div_holding_its_text_between_line_breaks_beside_a_box_is_the_article() -> None:
    lines = "<br><br>".join(f"{SENTENCE} (line {i}), and the work starts in June." for i in range(6))
    body = f"""<div class="row"><div class="col">
      <div class="beschreibung"><div class="box"><img src="/map.svg"><small>Map: CC-BY-SA</small></div>
      {lines}</div></div>
      <div id="vkinfo"><h3>Shipping</h3><p>We ship with a parcel service, free above 60 euros, and
      partial deliveries are sent at no extra cost, as agreed with you before.</p></div></div>"""
    text = to_text(f"<html><body>{body}</body></html>", BASE)
    assert "(line 0)" in text
    assert "(line 5)" in text
    assert "parcel service" not in text


def test_a_page_wrapper_named_like_a_sidebar_and_drupal_fields_are_kept() -> None:
    # `has-sidebar` names the layout, `field--label-hidden` a field whose label is not shown.
    fields = "".join(
        f'<div class="field field--name-body field--label-hidden"><p>{SENTENCE}, {SENTENCE} ({i}), '
        "and more.</p></div>"
        for i in range(4)
    )
    body = f"""<div class="layout-container has-sidebar"><main><article class="node">
      <h1>Harbour</h1><div class="node__content">{fields}</div>
      <div class="paragraph--type--recommended-articles"><div class="field--name-field-related-articles">
      <article><h2><a href="/other">Another story</a></h2><p>A teaser of another story that people may
      want to read next, with a few words more, and then some.</p></article></div></div>
      </article></main><aside class="sidebar"><a href="/x">Most read</a></aside></div>"""
    # The scores alone: a second opinion must not be what finds it.
    text = render(main_content(f"<html><body>{body}</body></html>", use_library=False), BASE, plain=True)
    assert "(0), and more." in text
    assert "(3), and more." in text
    assert "teaser of another story" not in text
    assert "Most read" not in text


def test_a_dateline_at_the_start_of_a_paragraph_stays_and_a_post_footer_goes() -> None:
    article = f"""<p><span class="dateline">KOBE \u2013 </span>{ARTICLE_TEXT}</p><p>{SENTENCE}, again.</p>
      <div class="entry-utility">This entry was posted in <a href="/c">News</a>. Bookmark the
      <a href="/p">permalink</a>.</div>"""
    text = to_text(_page(article), BASE)
    assert "KOBE \u2013 The council voted" in text
    assert "This entry was posted" not in text


def test_navigation_bars_named_by_class_are_not_part_of_the_article() -> None:
    bars = (
        '<div class="subnav-wrap">Harbour news, council news, weather news and all the sport.</div>'
        '<div class="page-navigation">Previous page of this harbour story, or the next one to read.</div>'
        '<ol class="breadcrumb-trail"><li>Home</li><li>Local, harbour and council stories</li></ol>'
    )
    text = to_text(_page(bars + _article()), BASE)
    assert "Residents, who had asked" in text
    for bar in ("weather news", "Previous page", "Local, harbour"):
        assert bar not in text, bar


def test_embedded_social_posts_are_not_part_of_the_article() -> None:
    tweet = """<blockquote class="twitter-tweet"><p lang="en">A post somebody else wrote, embedded in
      the story, with a link and a few more words.</p>&mdash; Someone (@someone)</blockquote>"""
    text = to_text(_page(f"<p>{ARTICLE_TEXT}</p>{tweet}<p>{SENTENCE}, again.</p>"), BASE)
    assert f"{SENTENCE}, again." in text
    assert "somebody else wrote" not in text


def test_a_page_served_whole_inside_noscript_is_read_and_a_small_noscript_is_not() -> None:
    paragraphs = "".join(f"<p>{SENTENCE}, part {i}.</p>" for i in range(4))
    page = (
        "<body><div id='app'></div><noscript><div class='page'><div class='text'>"
        f"{paragraphs}</div></div></noscript>"
        "<noscript><p>Please turn on JavaScript for the map of the piers.</p></noscript></body>"
    )
    text = to_text(page, BASE)
    assert "part 3" in text
    assert "JavaScript" not in text


def test_long_prose_in_a_block_named_like_boilerplate_stays_inside_the_article() -> None:
    plain = SENTENCE.replace(",", "")
    long = ", ".join(f"{plain} as the report says in part {i} of it" for i in range(6)) + "."
    # Class and id both say media: a score far below zero for a few paragraphs of prose.
    media = f'<div class="media" id="media-block">{"".join(f"<p>{long}</p>" for _ in range(3))}</div>'
    widget = '<div class="media" id="media-box"><p>Watch, listen, share: the harbour in pictures.</p></div>'
    text = to_text(_page(_article() + media + widget), BASE)
    assert "as the report says in part 2" in text
    assert "the harbour in pictures" not in text


def test_main_content_of_an_empty_document_is_empty() -> None:
    assert to_text("", BASE) == ""
    assert to_markdown("<html><body></body></html>", BASE) == ""
    assert [node.tag for node in main_content("<p>short</p>")] == ["body"]


def test_shingle_score_counts_repeated_text_once_per_occurrence() -> None:
    expected = "one two three four five six"
    assert score(expected, expected).f1 == 1.0
    doubled = score(f"{expected} {expected}", expected)
    assert doubled.recall == 1.0
    assert doubled.precision < 0.5
    assert score("", expected).f1 == 0.0


# Reached when this was written: all 0.975 (precision 0.983, recall 0.972), held out 0.970 (0.982).
# The margins allow small renderer changes, not a different algorithm.
@pytest.mark.parametrize(("part", "floor"), [("all", 0.97), ("held_out", 0.966)])
def test_main_content_matches_the_expected_bodies_of_real_pages(part: str, floor: float) -> None:
    pages = [p for p in load_pages() if part == "all" or p.held_out]
    result = mean_score(evaluate(lambda html: to_text(html, BASE_URL), pages).values())
    assert result.f1 >= floor
    assert result.precision >= 0.975


# Reached when this was written, all three parts: F1 0.915 (precision 0.882, recall 0.950); part a
# 0.952, part b 0.915, part c 0.879; trafilatura 0.943, 0.908 and 0.896.
def test_main_content_holds_the_wanted_segments_of_the_snippet_suite() -> None:
    pages = load_snippet_pages()
    result = snippet_score({page.name: to_text(page.html, page.url) for page in pages}, pages)
    assert result.f1 >= 0.91
    assert result.precision >= 0.875
    assert result.recall >= 0.945


def test_a_line_linking_to_the_next_or_previous_post_goes_and_a_sentence_naming_one_stays() -> None:
    navigation = (
        '<p><br>Nachfolgebeitrag: <a href="/2024/06/next">Was passiert hier eigentlich noch?</a><br>'
        'Vorgängerbeitrag: <a href="/2024/04/prev">Die Wahrheit über Kondome</a></p>'
        '<div>« Previous post: <a href="/older">The ferry timetable for the summer</a></div>'
    )
    own = "<p>The next article in this series, on the ferry, follows in <a href='/june'>June</a>.</p>"
    text = to_text(_page(_article() + own + navigation), BASE)
    assert "Residents, who had asked" in text
    assert "The next article in this series" in text
    for gone in ("Nachfolgebeitrag", "Was passiert hier", "Die Wahrheit", "Previous post", "ferry timetable"):
        assert gone not in text


def test_a_german_comment_section_and_a_subscription_box_are_not_part_of_the_article() -> None:
    comments = (
        '<section class="kommentare"><h3>Kommentare</h3><p>Sie sind aktuell nicht eingeloggt. '
        "Um einen Kommentar zu hinterlassen, loggen Sie sich bitte ein.</p></section>"
    )
    box = '<div class="subscribe-box"><p>Every Friday, the week in the harbour, free in your inbox.</p></div>'
    text = to_text(_page(_article().replace("<pre>", f"{box}<pre>") + comments), BASE)
    assert "Residents, who had asked" in text
    assert "nicht eingeloggt" not in text
    assert "free in your inbox" not in text


def test_an_invitation_to_follow_the_site_on_a_social_network_goes() -> None:
    follow = (
        "<p><strong>Follow The Harbour Times on Twitter and Instagram @HarbourTimes.</strong></p>"
        "<p>Folgen Sie uns auf Instagram, um nichts zu verpassen.</p>"
    )
    own = "<p>Following the storm, residents posted pictures of the wall on Facebook and on Instagram.</p>"
    text = to_text(_page(_article() + own + follow), BASE)
    assert "Following the storm, residents posted" in text
    assert "Follow The Harbour Times" not in text
    assert "Folgen Sie uns" not in text


def test_teaser_lists_of_other_posts_and_most_read_charts_inside_the_article_go() -> None:
    teasers = (
        '<div class="listPosts"><p class="listPosts-excerpt">A teacher looks back on a year of his pupils, '
        "who learned to speak, to argue, and to win.</p></div>"
        '<ol class="top10"><li><a href="/a">Bishops, the council, and a survey of what the clergy believes'
        "</a></li></ol>"
    )
    text = to_text(_page(_article() + teasers), BASE)
    assert "Residents, who had asked" in text
    assert "A teacher looks back" not in text
    assert "what the clergy believes" not in text


def test_a_short_licence_notice_goes_and_an_article_about_licences_stays() -> None:
    notice = "<p>Dieser Text wurde veröffentlicht unter der Lizenz CC-BY-NC-ND-4.0-DE.</p>"
    own = (
        f"<p>{SENTENCE}. The council's photographs are published under a Creative Commons licence, so "
        "that schools, museums and residents can reuse them, and the archive holds several thousand of "
        "them, from the first harbour wall to the storm of this spring, which broke the wall twice.</p>"
    )
    text = to_text(_page(_article() + own + notice), BASE)
    assert "published under a Creative Commons licence" in text
    assert "Dieser Text wurde" not in text


def test_a_block_that_is_only_a_date_or_a_time_goes_and_a_time_in_a_sentence_stays() -> None:
    stamps = "<div class='when'>24.03.2004, 19:49</div><p>3:59 PM</p>"
    own = f"<p>{SENTENCE}, and the last ferry now leaves at <span>19:49</span> on weekdays.</p>"
    text = to_text(_page(stamps + _article() + own), BASE)
    assert "the last ferry now leaves at 19:49 on weekdays" in text
    assert "24.03.2004" not in text
    assert "3:59 PM" not in text

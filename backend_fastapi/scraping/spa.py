"""Recognising a page that its scripts will fill in, by what a person would see on it.

`auto` fetches pages statically and switches to the browser only when the static HTML is not the
page people see: a title or an app root that says "Loading...", an empty app root, skeleton
markup, a `<noscript>` asking for JavaScript, or a body whose text is tiny next to its scripts.
Each signal comes back as the reason `result.switched_to_dynamic` gives.
"""

from __future__ import annotations

import re
from typing import Any

from backend_fastapi.scraping.dom import LexborTree, clean_text
from backend_fastapi.scraping.vocabulary import is_placeholder

# Element ids and tags script frameworks mount their app on.
_APP_ROOT_IDS = ("root", "app", "__next", "__nuxt", "svelte", "main-app", "app-root", "react-root")
_APP_ROOT_SELECTOR = ", ".join(
    [*(f"[id='{i}']" for i in _APP_ROOT_IDS), "app-root", "[ng-app]", "[data-reactroot]"]
)
_SKELETON = re.compile(
    r"(?:^|[-_\s])(?:skeleton|shimmer|placeholder|spinner|loader|loading)(?:$|[-_\s])", re.I
)
_NEEDS_JS = re.compile(
    r"enable javascript|requires? javascript|javascript (?:is )?(?:required|disabled|must be enabled)|"
    r"turn on javascript|activate javascript|javascript aktivieren|activer? (?:le )?javascript|"
    r"habilita(?:r)? javascript|attiva(?:re)? javascript",
    re.I,
)
_SCRIPTS = "script[src], script:not([type]), script[type=module], script[type='text/javascript']"
# The body's text is counted up to this many characters: past it, a page shows its content (a
# "enable JavaScript to see the comments" notice on an article is not a reason to render).
_TEXT_CAP = 400


def title_is_placeholder(title: str | None) -> bool:
    """A `<title>` that is a placeholder, alone or beside the site name ("Loading | Demo Shop")."""
    if not title:
        return False
    parts = re.split(r"\s+(?:\||-|\u2013|\u2014|\u00b7|::|\u00bb)\s+", title)
    return any(is_placeholder(part) for part in parts)


def script_rendered_reason(tree: LexborTree) -> str | None:
    """Why the static HTML looks like a page its scripts will fill in, or None."""
    root = tree.root
    body = tree.parser.body
    if root is None or body is None:
        return None
    title_node = root.css_first("title")
    title = clean_text(title_node.text()) if title_node is not None else ""
    if title_is_placeholder(title):
        return f"the page title is a placeholder ({title!r})"
    text_len = _text_length(body)
    for app in root.css(_APP_ROOT_SELECTOR):
        app_text = clean_text(app.text(deep=True, separator=" "))
        name = _describe(app)
        if not app_text and text_len < _TEXT_CAP:
            return f"the app root {name} is empty"
        if is_placeholder(app_text):
            return f"the app root {name} only says {app_text!r}"
    if text_len < _TEXT_CAP and _skeletons(body) >= 3:
        return "the page shows skeleton placeholders instead of content"
    if text_len < _TEXT_CAP and any(_NEEDS_JS.search(n.text(deep=True)) for n in root.css("noscript")):
        return "the page asks for JavaScript"
    scripts = root.css(_SCRIPTS)
    if scripts and text_len < 100:
        return "the page is scripts with almost no text"
    return None


def placeholder_fields(data: dict[str, Any]) -> list[str]:
    """Names of the fields whose found value is a placeholder (a list field: all of its values)."""
    names = []
    for name, value in data.items():
        values = value if isinstance(value, list) else [value]
        strings = [v for v in values if isinstance(v, str)]
        if strings and len(strings) == len(values) and all(is_placeholder(v) for v in strings):
            names.append(name)
    return names


def _text_length(body: Any) -> int:
    """Characters of visible text in the body, counted up to _TEXT_CAP (iteratively: a hostile
    page may nest elements tens of thousands deep)."""
    total = 0
    for node in body.traverse(include_text=True):
        if node.tag != "-text":
            continue
        parent = node.parent
        if parent is not None and parent.tag in ("script", "style", "noscript", "template"):
            continue
        total += len((node.text_content or "").strip())
        if total >= _TEXT_CAP:
            break
    return total


def _skeletons(body: Any) -> int:
    count = 0
    for node in body.traverse(include_text=False):
        if _SKELETON.search(str(node.attributes.get("class") or "")):
            count += 1
            if count >= 3:
                break
    return count


def _describe(node: Any) -> str:
    ident = node.attributes.get("id")
    return f"#{ident}" if ident else f"<{node.tag}>"

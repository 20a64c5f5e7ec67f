# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""docs/<guide>.md from the guides in docs/docsite/rst, so that Galaxy and Automation Hub show them too.

    python tools/rst_to_markdown.py [--check]

The guides are written once, in reStructuredText for antsibull-docs (docs/docsite/extra-docs.yml lists them).
Galaxy and Automation Hub render only README.md and the Markdown files directly in docs/ (galaxy-importer reads them
with Python-Markdown's "extra" extensions), so this writes docs/<guide>.md for each. Those pages are shown at URLs that
differ between servers and have no anchors, so references to modules become their names in code and references to
other guides or sections become their titles, never links. --check writes nothing and fails when a page differs from
what would be written (`make docs-md` rewrites them).
"""
import argparse
import re
import sys
from pathlib import Path

import yaml
from docutils import nodes
from docutils.core import publish_doctree
from docutils.parsers.rst import roles

REPO = Path(__file__).resolve().parents[1]
SOURCES = REPO / 'docs' / 'docsite' / 'rst'
TARGET = REPO / 'docs'
INDENT = '    '  # Python-Markdown needs four spaces for what belongs to a list item
# Characters that mean something to Markdown in running text; `<` would start an HTML tag that Galaxy strips.
SPECIAL = re.compile(r'([\\`*_\[\]<>|])')
WHITESPACE = re.compile(r'\s+')


def _ansplugin_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """:ansplugin:`ns.coll.plugin#type` -> the plugin's name in code (Galaxy lists the module pages alongside)."""
    del name, rawtext, lineno, inliner, options, content  # part of a role's signature
    return [nodes.literal(text, text.split('#', 1)[0])], []


def _ref_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """:ref:`title <label>` -> the title (another guide or section), as plain text."""
    del name, rawtext, lineno, inliner, options, content  # part of a role's signature
    return [nodes.Text(re.sub(r'\s*<[^>]*>$', '', text))], []


roles.register_local_role('ansplugin', _ansplugin_role)
roles.register_local_role('ref', _ref_role)


def escape(text):
    return SPECIAL.sub(r'\\\1', text)


def inline(node):
    """Markdown for the inline content of `node`, on one line."""
    if isinstance(node, nodes.Text):
        return escape(WHITESPACE.sub(' ', node.astext()))
    if isinstance(node, nodes.literal):
        text = WHITESPACE.sub(' ', node.astext())
        fence = '``' if '`' in text else '`'
        return '%s%s%s' % (fence, text, fence)
    inner = ''.join(inline(child) for child in node.children)
    if isinstance(node, nodes.strong):
        return '**%s**' % inner
    if isinstance(node, (nodes.emphasis, nodes.title_reference)):
        return '*%s*' % inner
    if isinstance(node, nodes.reference) and node.get('refuri'):
        return '[%s](%s)' % (inner, node['refuri'])
    return inner  # internal references, targets and the like: their text


class MarkdownWriter:
    """Walks a docutils document and collects Markdown blocks, separated by blank lines."""

    def __init__(self):
        self.blocks = []

    def add(self, text, depth):
        """Add a block, indented for `depth` levels of list items."""
        self.blocks.append('\n'.join((INDENT * depth + line).rstrip() for line in text.split('\n')))

    def walk(self, node, depth=0, level=1):
        for child in node.children:
            self.block(child, depth, level)

    def block(self, node, depth, level):  # pylint: disable=too-many-branches  # one branch per kind of block
        if isinstance(node, (nodes.comment, nodes.target, nodes.system_message, nodes.substitution_definition)):
            return
        if isinstance(node, nodes.topic) and 'contents' in node['classes']:
            return  # the pages have no anchors to link to, and Galaxy lists each page's headings nowhere
        if isinstance(node, nodes.title):
            self.add('%s %s' % ('#' * level, inline(node)), depth)
        elif isinstance(node, nodes.section):
            self.walk(node, depth, level + 1)
        elif isinstance(node, nodes.paragraph):
            self.add(inline(node).strip(), depth)
        elif isinstance(node, nodes.literal_block):
            self.literal_block(node, depth)
        elif isinstance(node, (nodes.bullet_list, nodes.enumerated_list)):
            self.list(node, depth, level)
        elif isinstance(node, nodes.definition_list):
            for item in node.children:
                self.add('**%s**' % inline(item.next_node(nodes.term)), depth)
                self.walk(item.next_node(nodes.definition), depth, level)
        elif isinstance(node, nodes.table):
            self.table(node, depth)
        elif isinstance(node, (nodes.block_quote, nodes.container, nodes.compound)):
            self.walk(node, depth, level)
        elif isinstance(node, nodes.Admonition):
            self.admonition(node, depth, level)
        else:
            raise ValueError('line %s: no Markdown for %s' % (node.line, node.tagname))

    def admonition(self, node, depth, level):
        """A note or warning: its body, the first paragraph led by its kind in bold (Markdown has no admonitions)."""
        start = len(self.blocks)
        self.walk(node, depth, level)
        if len(self.blocks) > start:
            indent = INDENT * depth
            self.blocks[start] = '%s**%s:** %s' % (indent, node.tagname.capitalize(), self.blocks[start][len(indent):])

    def literal_block(self, node, depth):
        languages = [name for name in node['classes'] if name != 'code']
        if depth:  # Python-Markdown reads no fenced block inside a list item: indent it
            self.add('\n'.join(INDENT + line for line in node.astext().split('\n')), depth)
        else:
            self.add('```%s\n%s\n```' % (languages[0] if languages else '', node.astext()), depth)

    def list(self, node, depth, level):
        numbered = isinstance(node, nodes.enumerated_list)
        for number, item in enumerate(node.children, start=1):
            marker = '%d. ' % number if numbered else '- '
            start = len(self.blocks)
            self.walk(item, depth + 1, level)
            first = self.blocks[start]
            self.blocks[start] = marker + first[len(INDENT) * (depth + 1):] if first.strip() else marker
            self.blocks[start] = INDENT * depth + self.blocks[start]

    def table(self, node, depth):
        rows = [[' '.join(inline(part).strip() for part in cell.children) for cell in row.children]
                for row in node.findall(nodes.row)]
        lines = ['| %s |' % ' | '.join(rows[0]), '|%s|' % '|'.join(['---'] * len(rows[0]))]
        lines += ['| %s |' % ' | '.join(row) for row in rows[1:]]
        self.add('\n'.join(lines), depth)


def markdown(source):
    """The Markdown page for the reStructuredText guide at `source`."""
    document = publish_doctree(source.read_text(encoding='utf-8'), source_path=str(source),
                               settings_overrides={'report_level': 4, 'halt_level': 3, 'file_insertion_enabled': False})
    writer = MarkdownWriter()
    writer.walk(document)
    relative = source.relative_to(REPO).as_posix()
    header = '<!-- Generated from %s by `make docs-md`: edit that file, then run it. -->' % relative
    return '%s\n\n%s\n' % (header, '\n\n'.join(writer.blocks))


def guides():
    """The guides' names, from the toctrees of docs/docsite/extra-docs.yml."""
    config = yaml.safe_load((REPO / 'docs' / 'docsite' / 'extra-docs.yml').read_text(encoding='utf-8'))
    return [entry for section in config['sections'] for entry in section['toctree']]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--check', action='store_true', help='write nothing; fail when a page is not up to date')
    args = parser.parse_args()
    stale = []
    for name in guides():
        page, wanted = TARGET / ('%s.md' % name), markdown(SOURCES / ('%s.rst' % name))
        current = page.read_text(encoding='utf-8') if page.is_file() else None
        if current == wanted:
            continue
        stale.append(page.relative_to(REPO).as_posix())
        if not args.check:
            page.write_text(wanted, encoding='utf-8')
    if args.check and stale:
        print('Not generated from the current docs/docsite/rst: %s. Run `make docs-md` and commit the result.'
              % ', '.join(stale), file=sys.stderr)
        return 1
    print('%s: %s' % ('out of date' if args.check and stale else 'written' if stale else 'up to date',
                      ', '.join(stale) or ', '.join('docs/%s.md' % name for name in guides())))
    return 0


if __name__ == '__main__':
    sys.exit(main())

# cython: language_level=3, boundscheck=False, wraparound=False
"""The HTML reader's walks over the libxml2 tree, compiled: the same results as htmldoc's and
grid's Python walks, read straight from the nodes instead of through one lxml proxy object
per node (most of what reading a page cost beyond lxml's own parse).

Optional: harvester/report/htmldoc.py uses the Python walks when this module is not built, and
tests/report/test_fast_paths.py checks both give the same rows. What the walks know (block
tags, the image marker, how a cell becomes a Cell) is handed in by htmldoc, never written here.

The walks read the tree as htmldoc leaves it for its Python walks, without changing it: the
root's <head> (with its tail) and every element of `drop_tags` (without its tail) are passed
over as if removed, the texts on either side joined as lxml joins them once it is removed.

The walks hold raw node pointers across the Python calls they make (on_table, make_cell, span,
reserve, make_row): those must read the tree, never change it.
"""

from cpython.unicode cimport PyUnicode_DecodeUTF8, PyUnicode_FromKindAndData, PyUnicode_4BYTE_KIND
from libc.stdlib cimport malloc, free
from libc.string cimport memcpy, strlen, strcmp
from lxml.includes cimport tree
from lxml.includes.etreepublic cimport _Element, elementFactory, import_lxml__etree

import_lxml__etree()

cdef extern from "Python.h":
    bint Py_UNICODE_ISSPACE(Py_UCS4 ch)

cdef enum:
    BLOCK = 1
    BR = 2
    IMG = 4
    TABLE = 8
    TR = 16
    CELL = 32
    DROP = 64
    HEAD = 128


cdef inline bint _is_text(tree.xmlNode* node):
    return node.type == tree.XML_TEXT_NODE or node.type == tree.XML_CDATA_SECTION_NODE


cdef str _collapse(str text):
    """Every run of whitespace (str.isspace) as one space: htmldoc's _WS.sub(" ", text)."""
    cdef Py_ssize_t n = len(text), i, k = 0
    cdef Py_UCS4 ch
    cdef bint space = False, changed = False
    for i in range(n):
        ch = text[i]
        if Py_UNICODE_ISSPACE(ch):
            if space or ch != 32:
                changed = True
                break
            space = True
        else:
            space = False
    if not changed:
        return text
    cdef Py_UCS4* buf = <Py_UCS4*>malloc(n * sizeof(Py_UCS4))
    if buf is NULL:
        raise MemoryError()
    space = False
    try:
        for i in range(n):
            ch = text[i]
            if Py_UNICODE_ISSPACE(ch):
                if not space:
                    buf[k] = 32
                    k += 1
                    space = True
            else:
                buf[k] = ch
                k += 1
                space = False
        return PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, buf, k)
    finally:
        free(buf)


cdef bint _blank(str text):
    """Every character whitespace (str.isspace), as a text that only spaces a cell."""
    cdef Py_UCS4 ch
    for ch in text:
        if not Py_UNICODE_ISSPACE(ch):
            return False
    return True


cdef inline tree.xmlNode* _following(tree.xmlNode* node, tree.xmlNode* top, bint descend):
    """The node after `node` in document order below `top`, NULL past the last: its first child
    when `descend` (and it is an element that has one), else the next sibling of it or of its
    nearest ancestor that has one."""
    if descend and node.children is not NULL and node.type == tree.XML_ELEMENT_NODE:
        return node.children
    while node is not top and node.next is NULL:
        node = node.parent
    return NULL if node is top else node.next


cdef str _node_text(tree.xmlNode* node):
    return PyUnicode_DecodeUTF8(<const char*>node.content, strlen(<const char*>node.content), "replace")


cdef str _attribute(tree.xmlNode* node, const char* name):
    """node.get(name) for an attribute in no namespace: its text, "" when it has no value."""
    cdef tree.xmlAttr* attr = node.properties
    cdef tree.xmlNode* child
    while attr is not NULL:
        if attr.ns is NULL and strcmp(<const char*>attr.name, name) == 0:
            parts = []
            child = attr.children
            while child is not NULL:
                if child.content is not NULL:
                    parts.append(_node_text(child))
                child = child.next
            return "".join(parts)
        attr = attr.next
    return None


cdef class Reader:
    """The walks of one configuration (htmldoc makes one at import)."""

    cdef frozenset block_tags
    cdef frozenset drop_tags
    cdef str image_line
    cdef str image_mark
    cdef object make_cell
    cdef object make_row
    cdef object span
    cdef object reserve
    cdef int max_colspan
    cdef dict cells       # make_cell's memo: (text, column, span) -> Cell, looked up here first
    cdef Py_ssize_t memo_text  # ... for texts up to this long
    cdef Py_ssize_t layout_text  # a cell longer than this makes its table page layout
    # the flags of a tag name by its pointer (libxml2 interns names), in a small table indexed
    # by the pointer's bits; the name is kept beside them to tell a pointer reused for another
    # name after its dictionary was freed (lxml keeps one for the process; that is not promised)
    cdef size_t slot_name[256]
    cdef int slot_flags[256]
    cdef char slot_text[256][32]

    def __init__(self, block_tags, drop_tags, str image_line, str image_mark, make_cell, make_row,
                 span, reserve, int max_colspan, dict cell_memo, Py_ssize_t memo_text,
                 Py_ssize_t layout_text):
        self.drop_tags = frozenset(drop_tags)
        self.cells = cell_memo
        self.memo_text = memo_text
        self.layout_text = layout_text
        self.block_tags = frozenset(block_tags)
        self.image_line = image_line
        self.image_mark = image_mark
        self.make_cell = make_cell
        self.make_row = make_row
        self.span = span
        self.reserve = reserve
        self.max_colspan = max_colspan

    cdef inline int _flags(self, tree.xmlNode* node) except -1:
        if node.type != tree.XML_ELEMENT_NODE or node.ns is not NULL:
            return 0
        cdef size_t key = <size_t>node.name
        cdef size_t slot = (key >> 3) & 255
        if self.slot_name[slot] == key and strcmp(<const char*>node.name, self.slot_text[slot]) == 0:
            return self.slot_flags[slot]
        cdef int flags = self._name_flags(node)
        cdef size_t length = strlen(<const char*>node.name)
        if length < 32:
            self.slot_name[slot] = key
            self.slot_flags[slot] = flags
            memcpy(self.slot_text[slot], node.name, length + 1)
        return flags

    cdef int _name_flags(self, tree.xmlNode* node) except -1:
        name = PyUnicode_DecodeUTF8(<const char*>node.name, strlen(<const char*>node.name), "replace")
        cdef int flags = 0
        if name in self.block_tags:
            flags |= BLOCK
        if name in self.drop_tags:
            flags |= DROP
        if name == "head":
            flags |= HEAD
        if name == "br":
            flags |= BR
        elif name == "img":
            flags |= IMG
        elif name == "table":
            flags |= TABLE
        elif name == "tr":
            flags |= TR
        elif name == "td" or name == "th":
            flags |= CELL
        return flags

    cdef inline bint _dropped(self, tree.xmlNode* node) except -1:
        return node.type == tree.XML_ELEMENT_NODE and self._flags(node) & DROP

    cdef tree.xmlNode* _text_run(self, tree.xmlNode* node, list out, tree.xmlNode* head) except? NULL:
        """Append the collapsed text of the run of text nodes starting at `node`, dropped
        elements (and `head` with its tail) passed over (lxml joins a run into one .text or
        .tail); return the first node after the run."""
        cdef tree.xmlNode* only = NULL
        cdef int count = 0
        parts = None
        while node is not NULL:
            if _is_text(node):
                if node.content is not NULL and node.content[0] != 0:
                    count += 1
                    if count == 1:
                        only = node
                    else:
                        if count == 2:
                            parts = [_node_text(only)]
                        parts.append(_node_text(node))
                node = node.next
            elif node is head:  # removed with its tail
                node = node.next
                while node is not NULL and _is_text(node):
                    node = node.next
            elif self._dropped(node):
                node = node.next
            else:
                break
        if count == 1:
            out.append(_collapse(_node_text(only)))
        elif count > 1:
            out.append(_collapse("".join(parts)))
        return node

    cdef tree.xmlNode* _first_head(self, tree.xmlNode* root) except? NULL:
        """root.find("head"): the child htmldoc removes."""
        cdef tree.xmlNode* child = root.children
        while child is not NULL:
            if child.type == tree.XML_ELEMENT_NODE and self._flags(child) & HEAD:
                return child
            child = child.next
        return NULL

    cdef int _inside(self, tree.xmlNode* el, list out, object on_table, _Element proxy,
                     tree.xmlNode* head=NULL) except -1:
        """The text of el's children as it reads, block breaks, <br> and image lines included;
        a table that on_table stands in for is replaced by its stand-in line."""
        cdef tree.xmlNode* child = el.children
        cdef int flags
        while child is not NULL:
            if _is_text(child) or child is head:
                child = self._text_run(child, out, head)
                continue
            if child.type == tree.XML_ELEMENT_NODE:
                flags = self._flags(child)
                if flags & DROP:
                    child = self._text_run(child, out, head)
                    continue
                if flags & BLOCK:
                    stand_in = None
                    if flags & TABLE and on_table is not None:
                        stand_in = on_table(elementFactory(proxy._doc, child))
                    if stand_in is not None:
                        out.append(stand_in)
                    else:
                        out.append("\n")
                        self._inside(child, out, on_table, proxy)
                    out.append("\n")
                else:
                    self._inside(child, out, on_table, proxy)
                    if flags & BR:
                        out.append("\n")
                    elif flags & IMG:
                        out.append(self.image_line)
            child = child.next
        return 0

    def page_facts(self, _Element root not None):
        """What htmldoc reads of the whole tree before its walks, in one pass: each <meta>'s
        (name, property, content) attributes (None where absent), the first <title> (an
        element, or None) and the href of every <a> that has one, all in document order."""
        cdef tree.xmlNode* top = root._c_node
        cdef tree.xmlNode* node = top
        cdef const char* name
        metas, hrefs, title = [], [], None
        while node is not NULL:
            if node.type == tree.XML_ELEMENT_NODE and node.ns is NULL:
                name = <const char*>node.name
                if name[0] == b"a" and name[1] == 0:
                    if node.properties is not NULL:
                        href = _attribute(node, b"href")
                        if href is not None:
                            hrefs.append(href)
                elif strcmp(name, b"meta") == 0:
                    metas.append((_attribute(node, b"name"), _attribute(node, b"property"),
                                  _attribute(node, b"content")))
                elif title is None and strcmp(name, b"title") == 0:
                    title = elementFactory(root._doc, node)
            node = _following(node, top, True)
        return metas, title, hrefs

    def pieces(self, _Element root not None, on_table=None) -> list:
        """htmldoc._pieces(root, [], on_table): root's own block break (or its stand-in, for a
        table on_table stands in for), then its inside."""
        out = []
        cdef int flags = self._flags(root._c_node)
        if flags & BLOCK:
            if flags & TABLE and on_table is not None:
                stand_in = on_table(root)
                if stand_in is not None:
                    out.append(stand_in)
                    return out
            out.append("\n")
        self._inside(root._c_node, out, on_table, root, self._first_head(root._c_node))
        return out

    cdef str _cell_text(self, tree.xmlNode* td, _Element proxy):
        """htmldoc's reading of a cell, stripped, image markers left out. A cell with one text
        that is not all whitespace (most cells, however deep their <p><span>) reads as that
        text: the line breaks and image lines around it are stripped off its ends."""
        cdef tree.xmlNode* node = td.children
        cdef int printed = 0
        only = None
        while node is not NULL:  # the text nodes below td, in document order
            if _is_text(node):
                if node.content is not NULL and node.content[0] != 0:
                    text = _node_text(node)
                    if not _blank(text):
                        printed += 1
                        if printed > 1:
                            break
                        only = text
            node = _following(node, td, not self._dropped(node))
        if printed == 0:
            return ""
        if printed == 1:
            text = _collapse(only)
        else:
            out = ["\n"]
            self._inside(td, out, None, proxy)
            text = "".join(out)
        if self.image_mark in text:
            text = text.replace(self.image_mark, "")
        return text.strip()

    cdef int _span(self, str value, Py_ssize_t limit) except -1:
        """span(value, limit): plain ASCII digits read here, anything else by span."""
        cdef Py_ssize_t n = len(value), i, number = 0
        cdef Py_UCS4 ch
        if n == 0 or n > 9:
            return self.span(value, limit)
        for i in range(n):
            ch = value[i]
            if <long>ch < 48 or <long>ch > 57:
                return self.span(value, limit)
            number = number * 10 + (<long>ch - 48)
        return 1 if number < 1 else (limit if number > limit else number)

    def data_table(self, _Element table not None, table_id):
        """grid.table_rows(table, table_id, htmldoc's cell reader) when `table` is a leaf data
        table (grid.is_leaf and grid.is_data_table), else None: told during the walk, a layout
        table left at its first long cell."""
        cdef tree.xmlNode* top = table._c_node
        cdef tree.xmlNode* node = top.children
        cdef tree.xmlNode* td
        cdef list trs = []
        cdef int flags
        # every <tr> below the table, in document order (a leaf table: all its own)
        while node is not NULL:
            flags = self._flags(node)
            if flags & TR:
                trs.append(<size_t>node)
            elif flags & TABLE:  # a nested table: no leaf
                return None
            node = _following(node, top, not flags & DROP)
        cdef Py_ssize_t n = len(trs), r, c, colspan, width = 0, widest = 0
        cdef list until = []
        cdef list out = []
        cdef list cells
        cdef str text
        cdef dict memo = self.cells
        make_cell = self.make_cell
        for r in range(n):
            cells = []
            c = 0
            td = (<tree.xmlNode*><size_t>trs[r]).children
            while td is not NULL:
                if td.type != tree.XML_ELEMENT_NODE or not (self._flags(td) & CELL):
                    td = td.next
                    continue
                while c < len(until) and until[c] >= r:
                    c += 1
                rowspan = None
                colspan = 1
                if td.properties is not NULL:
                    rowspan = _attribute(td, b"rowspan")
                    value = _attribute(td, b"colspan")
                    if value is not None:
                        colspan = self._span(value, self.max_colspan)
                text = self._cell_text(td, table)
                if len(text) > self.layout_text:  # prose: page layout
                    return None
                found = memo.get((text, c, colspan)) if len(text) <= self.memo_text else None
                cells.append(found if found is not None else make_cell(text, c, colspan))
                if rowspan is not None:
                    self.reserve(until, c, colspan, r + self._span(rowspan, n - r) - 1)
                c += colspan
                td = td.next
            while c < len(until) and until[c] >= r:
                c += 1
            if c > width:
                width = c
            if len(cells) > widest:
                widest = len(cells)
            out.append(self.make_row(cells, table_id))
        if widest < 2:  # no rows, or one column: not statistics
            return None
        for row in out:
            row.width = width
        return out

/* The readers' hot loops in C: Jepsen's one-map-per-line EDN, and Jepsen's log lines.
 *
 * Each loop takes only the common line and hands everything else back: it returns where the
 * first line it did not take starts and ends, and the Python caller reads that line its own way
 * (which also words every error) before calling again from the next one. So the C code never
 * decides anything the Python code would decide differently; it only decides it faster. The
 * module is optional: without a compiler the readers run the same loops in Python.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>
#include <structmember.h>

#define MAX_INT_DIGITS 18 /* fits an int64; longer numbers go back to Python */

/* ---------------------------------------------------------------------------------------- */
/* EDN lines                                                                                 */

typedef struct {
    const char *p;   /* next byte */
    const char *end; /* one past the line's last byte */
    PyObject *true_, *false_;
    int room; /* how much deeper collections may nest */
} Cursor;

/* The value could not be read here: not an error, the line goes back to Python. */
#define NOT_SIMPLE ((PyObject *)&_not_simple_marker)
static int _not_simple_marker;

/* Character classes, one table lookup each. */
enum { SPACE = 1, GAP = 2, CLOSER = 4, NAME = 8, NAME_START = 16 };
static unsigned char classes[256];

static void fill_classes(void) {
    const char *spaces = " \t\r\f\v", *closers = "])}", *marks = "-_?!*+./<>=";
    for (const char *c = spaces; *c; c++) classes[(unsigned char)*c] |= SPACE | GAP;
    classes[','] |= GAP;
    for (const char *c = closers; *c; c++) classes[(unsigned char)*c] |= CLOSER;
    for (int c = 0; c < 256; c++) {
        int letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (letter || (c >= '0' && c <= '9')) classes[c] |= NAME;
        if (letter) classes[c] |= NAME_START;
    }
    for (const char *c = marks; *c; c++) classes[(unsigned char)*c] |= NAME;
    /* A name may also start with these (not with a digit, a sign or a dot, which EDN reads
     * differently or not at all). */
    for (const char *c = "_?!*<>="; *c; c++) classes[(unsigned char)*c] |= NAME_START;
}

static inline int is_space(char c) { return classes[(unsigned char)c] & SPACE; }

static inline int is_gap(char c) { return classes[(unsigned char)c] & GAP; }

/* Where an atom (a keyword's name, a number) may end: a gap or a closing bracket. */
static inline int is_delimiter(const Cursor *c, const char *q) {
    return q == c->end || (classes[(unsigned char)*q] & (GAP | CLOSER));
}

/* The characters of a keyword's name this reader accepts (a subset of EDN's). */
static inline int is_name_char(char c) { return classes[(unsigned char)c] & NAME; }

static inline int is_name_start(char c) { return classes[(unsigned char)c] & NAME_START; }

static inline void skip_gaps(Cursor *c) {
    while (c->p < c->end && is_gap(*c->p)) c->p++;
}

/* Keywords and short strings come again and again (``:invoke``, ``"17"``): each is decoded once
 * and kept in a small table keyed by its bytes, so a repeat costs a hash and a compare, and
 * every repeat shares one str. The table holds its strs for the life of the process. */
#define SHARED_SLOTS 4096
#define SHARED_BYTES 24

typedef struct {
    Py_ssize_t size;
    char bytes[SHARED_BYTES];
    PyObject *text;
} Shared;

static Shared shared[SHARED_SLOTS];

static PyObject *decoded(const char *start, Py_ssize_t size) {
    PyObject *text = PyUnicode_DecodeUTF8(start, size, NULL);
    if (text == NULL) {
        PyErr_Clear(); /* not UTF-8: Python's reading says what is wrong */
        return NOT_SIMPLE;
    }
    return text;
}

/* A new reference to the str of the ``size`` bytes at ``start`` (NOT_SIMPLE if not UTF-8). */
static PyObject *text_of(const char *start, Py_ssize_t size) {
    if (size > SHARED_BYTES) return decoded(start, size);
    uint32_t hash = 2166136261u;
    for (Py_ssize_t i = 0; i < size; i++) hash = (hash ^ (unsigned char)start[i]) * 16777619u;
    Shared *slot = &shared[hash % SHARED_SLOTS];
    if (slot->text != NULL && slot->size == size && memcmp(slot->bytes, start, (size_t)size) == 0) {
        Py_INCREF(slot->text);
        return slot->text;
    }
    PyObject *text = decoded(start, size);
    if (text == NULL || text == NOT_SIMPLE) return text;
    Py_XSETREF(slot->text, Py_NewRef(text));
    slot->size = size;
    memcpy(slot->bytes, start, (size_t)size);
    return text;
}

/* A keyword ``:name`` (the cursor on its colon), read as its name. */
static PyObject *read_keyword(Cursor *c) {
    const char *start = c->p + 1, *q = start;
    if (q == c->end || !is_name_start(*q)) return NOT_SIMPLE;
    while (q < c->end && is_name_char(*q)) q++;
    if (!is_delimiter(c, q)) return NOT_SIMPLE;
    c->p = q;
    return text_of(start, q - start);
}

static PyObject *read_string(Cursor *c) {
    const char *start = c->p + 1, *q = start;
    while (q < c->end && *q != '"') {
        if (*q == '\\') return NOT_SIMPLE;
        q++;
    }
    if (q == c->end) return NOT_SIMPLE;
    c->p = q + 1;
    if (!is_delimiter(c, c->p)) return NOT_SIMPLE;
    return text_of(start, q - start);
}

static PyObject *read_integer(Cursor *c) {
    const char *q = c->p;
    int negative = 0;
    if (*q == '-') {
        negative = 1;
        q++;
    }
    const char *digits = q;
    long long n = 0;
    while (q < c->end && *q >= '0' && *q <= '9') {
        if (q - digits >= MAX_INT_DIGITS) return NOT_SIMPLE;
        n = n * 10 + (*q - '0');
        q++;
    }
    if (q == digits || !is_delimiter(c, q)) return NOT_SIMPLE;
    c->p = q;
    return PyLong_FromLongLong(negative ? -n : n);
}

static PyObject *read_value(Cursor *c);

/* A vector ``[...]`` or list ``(...)`` (the cursor on its opener), read as a tuple. */
static PyObject *read_sequence(Cursor *c) {
    char closer = *c->p == '[' ? ']' : ')';
    if (c->room <= 0) return NOT_SIMPLE;
    c->room--;
    c->p++;
    PyObject *items = PyList_New(0);
    if (items == NULL) return NULL;
    for (;;) {
        skip_gaps(c);
        if (c->p == c->end) goto not_simple;
        if (*c->p == closer) {
            c->p++;
            break;
        }
        PyObject *item = read_value(c);
        if (item == NULL) goto error;
        if (item == NOT_SIMPLE) goto not_simple;
        int failed = PyList_Append(items, item);
        Py_DECREF(item);
        if (failed < 0) goto error;
    }
    if (!is_delimiter(c, c->p)) goto not_simple;
    c->room++;
    PyObject *tuple = PyList_AsTuple(items);
    Py_DECREF(items);
    return tuple;
not_simple:
    Py_DECREF(items);
    return NOT_SIMPLE;
error:
    Py_DECREF(items);
    return NULL;
}

static int starts_word(const Cursor *c, const char *word, Py_ssize_t size) {
    return c->end - c->p >= size && memcmp(c->p, word, (size_t)size) == 0 &&
           is_delimiter(c, c->p + size);
}

/* One value: a new reference, NOT_SIMPLE for anything this reader leaves to Python, or NULL
 * with an exception set (out of memory). */
static PyObject *read_value(Cursor *c) {
    char first = *c->p;
    if (first == ':') return read_keyword(c);
    if (first == '"') return read_string(c);
    if (first == '-' || (first >= '0' && first <= '9')) return read_integer(c);
    if (first == '[' || first == '(') return read_sequence(c);
    if (starts_word(c, "nil", 3)) {
        c->p += 3;
        Py_RETURN_NONE;
    }
    if (starts_word(c, "true", 4)) {
        c->p += 4;
        Py_INCREF(c->true_);
        return c->true_;
    }
    if (starts_word(c, "false", 5)) {
        c->p += 5;
        Py_INCREF(c->false_);
        return c->false_;
    }
    return NOT_SIMPLE;
}

/* The standard fields, in the order the record type takes them. */
enum { F_TYPE, F_F, F_PROCESS, F_VALUE, F_KEY, F_TIME, F_INDEX, FIELDS };

static int field_of(const char *name, Py_ssize_t size) {
    switch (size) {
    case 1:
        return name[0] == 'f' ? F_F : -1;
    case 3:
        return memcmp(name, "key", 3) == 0 ? F_KEY : -1;
    case 4:
        if (memcmp(name, "type", 4) == 0) return F_TYPE;
        return memcmp(name, "time", 4) == 0 ? F_TIME : -1;
    case 5:
        if (memcmp(name, "value", 5) == 0) return F_VALUE;
        return memcmp(name, "index", 5) == 0 ? F_INDEX : -1;
    case 7:
        return memcmp(name, "process", 7) == 0 ? F_PROCESS : -1;
    }
    return -1;
}

static void clear_fields(PyObject **fields) {
    for (int i = 0; i < FIELDS; i++) Py_CLEAR(fields[i]);
}

/* The fields of one line ``{:type :ok, :f :read, ...}``: 1 when read, 0 to leave the line to
 * Python, -1 on error. */
static int read_line_fields(Cursor *c, PyObject **fields) {
    while (c->p < c->end && is_space(*c->p)) c->p++;
    while (c->end > c->p && is_space(c->end[-1])) c->end--;
    if (c->end - c->p < 2 || *c->p != '{' || c->end[-1] != '}') return 0;
    c->end--; /* the closing brace: the pairs end before it */
    c->p++;
    for (;;) {
        skip_gaps(c);
        if (c->p == c->end) break;
        if (*c->p != ':') return 0;
        const char *name = c->p + 1, *q = name;
        while (q < c->end && is_name_char(*q)) q++;
        if (q == c->end || !is_gap(*q)) return 0;
        int field = field_of(name, q - name);
        if (field < 0 || fields[field] != NULL) return 0;
        c->p = q;
        skip_gaps(c);
        if (c->p == c->end) return 0;
        PyObject *value = read_value(c);
        if (value == NULL) return -1;
        if (value == NOT_SIMPLE) return 0;
        fields[field] = value;
    }
    return 1;
}

static int exact_int(PyObject *o) { return PyLong_CheckExact(o); }

static int int_or_none(PyObject *o) { return o == NULL || o == Py_None || exact_int(o); }

/* Append a new ``event`` (stolen; NULL when making it failed) and its line number: 0, or -1
 * with an exception set. */
static int add_event(PyObject *events, PyObject *numbers, PyObject *event, Py_ssize_t line) {
    if (event == NULL) return -1;
    int failed = PyList_Append(events, event);
    Py_DECREF(event);
    if (failed < 0) return -1;
    PyObject *number = PyLong_FromSsize_t(line);
    if (number == NULL) return -1;
    failed = PyList_Append(numbers, number);
    Py_DECREF(number);
    return failed;
}

/* edn_lines(text, offset, events, numbers, line, record, types, true, false, anonymous,
 *           max_depth) -> (line, offset of that line, offset after it)
 *
 * Reads the lines of ``text`` (a str, read as UTF-8 bytes) from byte ``offset``, which starts
 * line number ``line``, appending a record and its line number per line read (blank lines are
 * skipped). Stops at the first line it does not take and returns its number and where it
 * starts and ends (after its newline); at the end of the text, the line number is -1. */
static PyObject *edn_lines(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 11) {
        PyErr_SetString(PyExc_TypeError, "edn_lines takes 11 arguments");
        return NULL;
    }
    PyObject *events = args[2], *numbers = args[3], *record = args[5], *types = args[6];
    PyObject *anonymous = args[9];
    if (!PyUnicode_Check(args[0]) || !PyList_Check(events) || !PyList_Check(numbers) ||
        !PyDict_Check(types)) {
        PyErr_SetString(PyExc_TypeError,
                        "edn_lines: text must be a str, events and numbers lists, types a dict");
        return NULL;
    }
    Py_ssize_t size, offset = PyLong_AsSsize_t(args[1]), line = PyLong_AsSsize_t(args[4]);
    long max_depth = PyLong_AsLong(args[10]);
    if (PyErr_Occurred()) return NULL;
    const char *text = PyUnicode_AsUTF8AndSize(args[0], &size);
    if (text == NULL) return NULL;
    if (offset < 0 || offset > size) {
        PyErr_SetString(PyExc_ValueError, "edn_lines: offset out of range");
        return NULL;
    }
    const char *at = text + offset, *end = text + size;
    PyObject *fields[FIELDS] = {NULL};
    for (; at < end; line++) {
        const char *stop = memchr(at, '\n', (size_t)(end - at));
        const char *next = stop == NULL ? end : stop + 1;
        if (stop == NULL) stop = end;
        Cursor c = {at, stop, args[7], args[8], (int)max_depth};
        const char *q = at;
        while (q < stop && is_space(*q)) q++;
        if (q == stop) { /* a blank line */
            at = next;
            continue;
        }
        int read = read_line_fields(&c, fields);
        if (read < 0) goto error;
        if (read == 0) goto not_taken;
        PyObject *kind = fields[F_TYPE] == NULL || !PyUnicode_CheckExact(fields[F_TYPE])
                             ? NULL
                             : PyDict_GetItemWithError(types, fields[F_TYPE]);
        if (kind == NULL && PyErr_Occurred()) goto error;
        PyObject *process = fields[F_PROCESS] == NULL ? anonymous : fields[F_PROCESS];
        if (kind == NULL || fields[F_F] == NULL || !PyUnicode_CheckExact(fields[F_F]) ||
            !(exact_int(process) || PyUnicode_CheckExact(process)) ||
            !int_or_none(fields[F_TIME]) || !int_or_none(fields[F_INDEX]))
            goto not_taken;
        PyObject *call[FIELDS];
        call[F_TYPE] = kind;
        call[F_F] = fields[F_F];
        call[F_PROCESS] = process;
        for (int f = F_VALUE; f < FIELDS; f++) call[f] = fields[f] == NULL ? Py_None : fields[f];
        if (add_event(events, numbers, PyObject_Vectorcall(record, call, FIELDS, NULL), line) < 0)
            goto error;
        clear_fields(fields);
        at = next;
        continue;
    not_taken:
        clear_fields(fields);
        return Py_BuildValue("(nnn)", line, (Py_ssize_t)(at - text), (Py_ssize_t)(next - text));
    }
    return Py_BuildValue("(nnn)", (Py_ssize_t)-1, size, size);
error:
    clear_fields(fields);
    return NULL;
}

/* ---------------------------------------------------------------------------------------- */
/* Jepsen log lines: ``INFO  jepsen.util - 3	:ok	:cas	[1 4]``                            */

static inline const char *skip_spaces(const char *q, const char *end) {
    while (q < end && is_space(*q)) q++;
    return q;
}

static inline int is_word_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* After ``q``: at least one space, then the position after them (NULL if none). */
static inline const char *spaces_after(const char *q, const char *end) {
    if (q == end || !is_space(*q)) return NULL;
    return skip_spaces(q, end);
}

/* The process (``3``, ``-1``, ``:nemesis``, ``n1``) at ``*at``: a new reference, NOT_SIMPLE. */
static PyObject *log_process(const char **at, const char *end) {
    const char *q = *at;
    if (q < end && *q == ':') q++;
    const char *start = q;
    if (q < end && (*q == '-' || (*q >= '0' && *q <= '9'))) {
        int negative = *q == '-';
        if (negative) q++;
        const char *digits = q;
        long long n = 0;
        while (q < end && *q >= '0' && *q <= '9') {
            if (q - digits >= MAX_INT_DIGITS) return NOT_SIMPLE;
            n = n * 10 + (*q - '0');
            q++;
        }
        if (q == digits) return NOT_SIMPLE;
        *at = q;
        return PyLong_FromLongLong(negative ? -n : n);
    }
    if (q == end || !((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || *q == '_'))
        return NOT_SIMPLE;
    while (q < end && (is_word_char(*q) || *q == '-')) q++;
    *at = q;
    return text_of(start, q - start);
}

/* A ``:name`` of word characters (and ``-`` when ``dash``): its name, or NOT_SIMPLE. */
static PyObject *log_name(const char **at, const char *end, int dash) {
    const char *q = *at;
    if (q == end || *q != ':') return NOT_SIMPLE;
    const char *start = ++q;
    while (q < end && (is_word_char(*q) || (dash && *q == '-'))) q++;
    if (q == start) return NOT_SIMPLE;
    *at = q;
    return text_of(start, q - start);
}

/* The process, type, f and value of one log line: 1 when read, 0 to leave it to Python,
 * -1 on error. */
static int read_log_line(const char *q, const char *end, Cursor *c, PyObject *types,
                         PyObject **fields) {
    static const char logger[] = "jepsen.util";
    const Py_ssize_t logger_size = sizeof logger - 1;
    while (end > q && is_space(end[-1])) end--;
    q = skip_spaces(q, end);
    const char *level = q;
    while (q < end && !is_space(*q)) q++;
    if (q == level || !(q = spaces_after(q, end))) return 0;
    if (end - q < logger_size || memcmp(q, logger, (size_t)logger_size) != 0) return 0;
    if (!(q = spaces_after(q + logger_size, end)) || q == end || *q != '-') return 0;
    if (!(q = spaces_after(q + 1, end))) return 0;
    PyObject *process = log_process(&q, end);
    if (process == NULL) return -1;
    if (process == NOT_SIMPLE) return 0;
    fields[0] = process;
    if (!(q = spaces_after(q, end))) return 0;
    PyObject *kind = log_name(&q, end, 0);
    if (kind == NULL) return -1;
    if (kind == NOT_SIMPLE) return 0;
    PyObject *type = PyDict_GetItemWithError(types, kind);
    Py_DECREF(kind);
    if (type == NULL) return PyErr_Occurred() ? -1 : 0;
    Py_INCREF(type);
    fields[1] = type;
    if (!(q = spaces_after(q, end))) return 0;
    PyObject *f = log_name(&q, end, 1);
    if (f == NULL) return -1;
    if (f == NOT_SIMPLE) return 0;
    fields[2] = f;
    if (q == end) {
        Py_INCREF(Py_None);
        fields[3] = Py_None;
        return 1;
    }
    if (!(q = spaces_after(q, end))) return 0;
    c->p = q;
    c->end = end;
    PyObject *value = read_value(c);
    if (value == NULL) return -1;
    if (value == NOT_SIMPLE) return 0;
    fields[3] = value;
    return c->p == end;
}

/* log_lines(text, offset, end, events, numbers, line, event, types, true, false, max_depth)
 *   -> (line, offset of that line, offset after it)
 *
 * As ``edn_lines``, for the operation lines of a Jepsen log between byte ``offset`` and byte
 * ``end``: each becomes ``event(process, type, f, value)``. Lines of other loggers, and lines
 * of any other shape, are left to Python. */
static PyObject *log_lines(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 11) {
        PyErr_SetString(PyExc_TypeError, "log_lines takes 11 arguments");
        return NULL;
    }
    PyObject *events = args[3], *numbers = args[4], *event_type = args[6], *types = args[7];
    if (!PyUnicode_Check(args[0]) || !PyList_Check(events) || !PyList_Check(numbers) ||
        !PyDict_Check(types)) {
        PyErr_SetString(PyExc_TypeError,
                        "log_lines: text must be a str, events and numbers lists, types a dict");
        return NULL;
    }
    Py_ssize_t size, offset = PyLong_AsSsize_t(args[1]), stop_at = PyLong_AsSsize_t(args[2]);
    Py_ssize_t line = PyLong_AsSsize_t(args[5]);
    long max_depth = PyLong_AsLong(args[10]);
    if (PyErr_Occurred()) return NULL;
    const char *text = PyUnicode_AsUTF8AndSize(args[0], &size);
    if (text == NULL) return NULL;
    if (offset < 0 || stop_at < offset || stop_at > size) {
        PyErr_SetString(PyExc_ValueError, "log_lines: offsets out of range");
        return NULL;
    }
    const char *at = text + offset, *end = text + stop_at;
    PyObject *fields[4] = {NULL};
    for (; at < end; line++) {
        const char *stop = memchr(at, '\n', (size_t)(end - at));
        const char *next = stop == NULL ? end : stop + 1;
        if (stop == NULL) stop = end;
        Cursor c = {at, stop, args[8], args[9], (int)max_depth};
        int read = read_log_line(at, stop, &c, types, fields);
        if (read < 0) goto error;
        if (read == 0) {
            for (int i = 0; i < 4; i++) Py_CLEAR(fields[i]);
            return Py_BuildValue("(nnn)", line, (Py_ssize_t)(at - text),
                                 (Py_ssize_t)(next - text));
        }
        PyObject *event = PyObject_Vectorcall(event_type, fields, 4, NULL);
        for (int i = 0; i < 4; i++) Py_CLEAR(fields[i]);
        if (add_event(events, numbers, event, line) < 0) goto error;
        at = next;
    }
    return Py_BuildValue("(nnn)", (Py_ssize_t)-1, stop_at, stop_at);
error:
    for (int i = 0; i < 4; i++) Py_CLEAR(fields[i]);
    return NULL;
}

/* ---------------------------------------------------------------------------------------- */
/* Pairing events into operations                                                            */

/* The fields an event record gives, read straight from its slots: the records are msgspec
 * structs, whose fields are member slots at fixed offsets (what Python's own attribute cache
 * reads). A field that is not a slot of the type (a class attribute such as ``extra = ()``) is
 * read through the ordinary attribute lookup. */
enum { E_PROCESS, E_TYPE, E_F, E_VALUE, E_KEY, E_TIME, E_EXTRA, EVENT_FIELDS };
static const char *event_field_names[EVENT_FIELDS] = {"process", "type", "f", "value",
                                                      "key",     "time", "extra"};
static PyObject *event_field_strs[EVENT_FIELDS];

#define LAYOUTS 8
typedef struct {
    PyTypeObject *type; /* a strong reference, so the offsets stay true */
    Py_ssize_t offsets[EVENT_FIELDS]; /* -1: not a slot */
} Layout;
static Layout layouts[LAYOUTS];
static int layout_count;

static const Layout *layout_of(PyTypeObject *type) {
    for (int i = 0; i < layout_count; i++)
        if (layouts[i].type == type) return &layouts[i];
    if (layout_count == LAYOUTS) return NULL;
    Layout *layout = &layouts[layout_count];
    for (int f = 0; f < EVENT_FIELDS; f++) {
        PyObject *found = _PyType_Lookup(type, event_field_strs[f]); /* borrowed */
        layout->offsets[f] = -1;
        if (found != NULL && Py_IS_TYPE(found, &PyMemberDescr_Type)) {
            PyMemberDef *member = ((PyMemberDescrObject *)found)->d_member;
            if (member->type == T_OBJECT_EX || member->type == T_OBJECT)
                layout->offsets[f] = member->offset;
        }
    }
    Py_INCREF(type);
    layout->type = type;
    layout_count++;
    return layout;
}

/* The fields of one record as new references, or -1 with an exception set. */
static int fields_of(PyObject *record, PyObject **out) {
    const Layout *layout = layout_of(Py_TYPE(record));
    for (int f = 0; f < EVENT_FIELDS; f++) {
        Py_ssize_t offset = layout == NULL ? -1 : layout->offsets[f];
        PyObject *value = offset < 0 ? NULL : *(PyObject **)((char *)record + offset);
        if (value != NULL) {
            Py_INCREF(value);
        } else if ((value = PyObject_GetAttr(record, event_field_strs[f])) == NULL) {
            for (int g = 0; g < f; g++) Py_CLEAR(out[g]);
            return -1;
        }
        out[f] = value;
    }
    return 0;
}

static void clear_event(PyObject **fields) {
    for (int f = 0; f < EVENT_FIELDS; f++) Py_CLEAR(fields[f]);
}

/* pair(events, start, base, open_ops, slots, calls, operation, invoke, ok, info, non_client,
 *      txn_ok) -> (index of the first event not taken, whether a taken event had no time)
 *
 * The loop of ``HistoryBuilder.add_all`` for the common event: a client's, pairing as expected.
 * ``open_ops`` maps each busy process to (position, invocation, slot) and ``slots`` holds each
 * invocation until its completion turns it into the operation, as the Python loop keeps them;
 * ``calls`` is the builder's array of invocation positions (appended through its method). */
static PyObject *pair(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 12) {
        PyErr_SetString(PyExc_TypeError, "pair takes 12 arguments");
        return NULL;
    }
    PyObject *events = args[0], *open_ops = args[3], *slots = args[4], *add_call = args[5];
    PyObject *operation = args[6], *INVOKE = args[7], *OK = args[8], *INFO = args[9];
    PyObject *non_client = args[10], *txn_ok = args[11];
    if (!PyList_Check(events) || !PyDict_Check(open_ops) || !PyList_Check(slots) ||
        !PyAnySet_Check(non_client)) {
        PyErr_SetString(PyExc_TypeError,
                        "pair: events and slots must be lists, open_ops a dict, non_client a set");
        return NULL;
    }
    Py_ssize_t start = PyLong_AsSsize_t(args[1]), base = PyLong_AsSsize_t(args[2]);
    if (PyErr_Occurred()) return NULL;
    Py_ssize_t count = PyList_GET_SIZE(events), i = start;
    int untimed = 0;
    PyObject *e[EVENT_FIELDS] = {NULL}, *v[EVENT_FIELDS] = {NULL};
    PyObject *position = NULL, *opened = NULL;
    for (; i < count; i++) {
        PyObject *event = PyList_GET_ITEM(events, i);
        if (fields_of(event, e) < 0) goto error;
        PyObject *process = e[E_PROCESS];
        if (!PyLong_CheckExact(process)) {
            if (!PyUnicode_CheckExact(process)) break;
            int other = PySet_Contains(non_client, process);
            if (other < 0) goto error;
            if (other) break;
        }
        if (!PyUnicode_CheckExact(e[E_F])) break;
        if (PyUnicode_CompareWithASCIIString(e[E_F], "txn") == 0) {
            PyObject *fine = PyObject_CallFunctionObjArgs(txn_ok, e[E_VALUE], e[E_TYPE], NULL);
            if (fine == NULL) goto error;
            int shaped = PyObject_IsTrue(fine);
            Py_DECREF(fine);
            if (shaped < 0) goto error;
            if (!shaped) break;
        }
        if (e[E_TYPE] == INVOKE) {
            int busy = PyDict_Contains(open_ops, process);
            if (busy < 0) goto error;
            if (busy) break;
            if (!(position = PyLong_FromSsize_t(base + i))) goto error;
            PyObject *slot = PyLong_FromSsize_t(PyList_GET_SIZE(slots));
            if (slot == NULL) goto error;
            opened = PyTuple_Pack(3, position, event, slot);
            Py_DECREF(slot);
            if (opened == NULL || PyDict_SetItem(open_ops, process, opened) < 0 ||
                PyList_Append(slots, event) < 0)
                goto error;
            Py_CLEAR(opened);
            PyObject *added = PyObject_CallOneArg(add_call, position);
            if (added == NULL) goto error;
            Py_DECREF(added);
        } else {
            opened = PyDict_GetItemWithError(open_ops, process);
            if (opened == NULL) {
                if (PyErr_Occurred()) goto error;
                break;
            }
            Py_INCREF(opened);
            PyObject *call = PyTuple_GET_ITEM(opened, 0), *slot = PyTuple_GET_ITEM(opened, 2);
            if (fields_of(PyTuple_GET_ITEM(opened, 1), v) < 0) goto error;
            if (!PyUnicode_CheckExact(v[E_F]) || PyUnicode_Compare(v[E_F], e[E_F]) != 0) break;
            if (e[E_TIME] != Py_None && v[E_TIME] != Py_None) {
                int backwards = PyObject_RichCompareBool(e[E_TIME], v[E_TIME], Py_LT);
                if (backwards < 0) goto error;
                if (backwards) break;
            }
            if (!(position = PyLong_FromSsize_t(base + i))) goto error;
            PyObject *value = e[E_TYPE] == OK || (e[E_TYPE] == INFO && v[E_VALUE] == Py_None)
                                  ? e[E_VALUE]
                                  : v[E_VALUE];
            PyObject *key = v[E_KEY] != Py_None ? v[E_KEY] : e[E_KEY];
            PyObject *parts[13] = {slot,      process,   v[E_F],    value,      e[E_TYPE],
                                   call,      position,  key,       v[E_VALUE], v[E_TIME],
                                   e[E_TIME], v[E_EXTRA], e[E_EXTRA]};
            PyObject *made = PyObject_Vectorcall(operation, parts, 13, NULL);
            if (made == NULL) goto error;
            Py_ssize_t index = PyLong_AsSsize_t(slot);
            if (index < 0 || index >= PyList_GET_SIZE(slots)) {
                Py_DECREF(made);
                if (!PyErr_Occurred()) PyErr_SetString(PyExc_IndexError, "pair: no such slot");
                goto error;
            }
            PyList_SetItem(slots, index, made); /* takes made; drops the invocation held there */
            if (PyDict_DelItem(open_ops, process) < 0) goto error;
            Py_CLEAR(opened);
            clear_event(v);
        }
        if (e[E_TIME] == Py_None) untimed = 1;
        Py_CLEAR(position);
        clear_event(e);
    }
    clear_event(e);
    clear_event(v);
    Py_XDECREF(opened);
    return Py_BuildValue("(nO)", i, untimed ? Py_True : Py_False);
error:
    clear_event(e);
    clear_event(v);
    Py_XDECREF(opened);
    Py_XDECREF(position);
    return NULL;
}

/* ---------------------------------------------------------------------------------------- */
/* The linearizability search's next moves                                                  */

/* A growable array of indices, on the stack while small. */
typedef struct {
    Py_ssize_t *items, size, room;
    Py_ssize_t local[64];
} Indices;

static void indices_init(Indices *x) {
    x->items = x->local;
    x->size = 0;
    x->room = 64;
}

static int indices_push(Indices *x, Py_ssize_t value) {
    if (x->size == x->room) {
        Py_ssize_t room = x->room * 2;
        Py_ssize_t *grown = x->items == x->local ? PyMem_Malloc(room * sizeof *grown)
                                                 : PyMem_Realloc(x->items, room * sizeof *grown);
        if (grown == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        if (x->items == x->local) memcpy(grown, x->local, sizeof x->local);
        x->items = grown;
        x->room = room;
    }
    x->items[x->size++] = value;
    return 0;
}

static void indices_free(Indices *x) {
    if (x->items != x->local) PyMem_Free(x->items);
}

static inline Py_ssize_t index_at(PyObject *list, Py_ssize_t i) {
    return PyLong_AsSsize_t(PyList_GET_ITEM(list, i));
}

static inline double bound(PyObject *value, int *odd) {
    if (PyFloat_CheckExact(value)) return PyFloat_AS_DOUBLE(value);
    *odd = 1;
    return 0.0;
}

/* candidates(state, n, succ, calls, rets, before, placed, pure, required, ops, step,
 *            can_reach, choices, walk_most, lookahead) -> list
 *
 * ``searching``'s ``candidates`` (histcheck.linear.search), step for step: the operations that
 * may come next, required ones first, or a pure move alone as ``[(j, state)]``, or ``[]`` when
 * a read can no longer be satisfied. None when a bound it met is not a float (then Python
 * computes the moves; ``step`` has no side effects, so calling it again is harmless). */
static PyObject *candidates(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 15) {
        PyErr_SetString(PyExc_TypeError, "candidates takes 15 arguments");
        return NULL;
    }
    PyObject *state = args[0], *succ = args[2], *calls = args[3], *rets = args[4];
    PyObject *before = args[5], *placed = args[6], *pure = args[7], *required = args[8];
    PyObject *ops = args[9], *step = args[10], *can_reach = args[11], *choices = args[12];
    Py_ssize_t n = PyLong_AsSsize_t(args[1]), walk_most = PyLong_AsSsize_t(args[13]);
    Py_ssize_t lookahead = PyLong_AsSsize_t(args[14]);
    if (PyErr_Occurred()) return NULL;
    if (!PyList_Check(succ) || !PyTuple_Check(calls) || !PyTuple_Check(rets) ||
        !PyTuple_Check(before) || !PyByteArray_Check(placed) || !PyTuple_Check(pure) ||
        !PyTuple_Check(required) || !PyTuple_Check(ops) || PyTuple_GET_SIZE(calls) != n ||
        PyTuple_GET_SIZE(rets) != n || PyList_GET_SIZE(succ) != n + 1)
        Py_RETURN_NONE;
    const char *is_placed = PyByteArray_AS_STRING(placed);
    int odd = 0; /* a bound that is not a float: Python computes the moves instead */
#define BOUND(tuple, i) bound(PyTuple_GET_ITEM(tuple, i), &odd)
    Indices scan, walked;
    indices_init(&scan);
    indices_init(&walked);
    PyObject *first = NULL, *later = NULL, *result = NULL;
    double minret = Py_HUGE_VAL;
    for (Py_ssize_t i = index_at(succ, n); i != n; i = index_at(succ, i)) {
        if (i < 0 || i > n) goto bad_links;
        if (BOUND(calls, i) > minret) break;
        double r = BOUND(rets, i);
        if (r < minret) minret = r;
        if (indices_push(&scan, i) < 0) goto done;
    }
    if (!(first = PyList_New(0)) || !(later = PyList_New(0))) goto done;
    Py_ssize_t cursor = index_at(succ, n);
    for (Py_ssize_t s = 0; s < scan.size; s++) {
        Py_ssize_t j = scan.items[s];
        if (BOUND(calls, j) > minret) continue;
        Py_ssize_t b = PyLong_AsSsize_t(PyTuple_GET_ITEM(before, j));
        if (b >= 0 && b < n && !is_placed[b]) continue;
        int needed = PyObject_IsTrue(PyTuple_GET_ITEM(required, j));
        if (needed < 0) goto done;
        PyObject *op = PyTuple_GET_ITEM(ops, j);
        if (PyObject_IsTrue(PyTuple_GET_ITEM(pure, j)) == 1) {
            PyObject *after = PyObject_CallFunctionObjArgs(step, state, op, NULL);
            if (after == NULL) goto done;
            if (after != Py_None && Py_TYPE(after) != (PyTypeObject *)choices) {
                int same = PyObject_RichCompareBool(after, state, Py_EQ);
                if (same < 0) {
                    Py_DECREF(after);
                    goto done;
                }
                if (same) {
                    PyObject *index = PyLong_FromSsize_t(j);
                    PyObject *move = index == NULL ? NULL : PyTuple_Pack(2, index, after);
                    Py_XDECREF(index);
                    Py_DECREF(after);
                    if (move == NULL) goto done;
                    result = PyList_New(1);
                    if (result == NULL) {
                        Py_DECREF(move);
                        goto done;
                    }
                    PyList_SET_ITEM(result, 0, move);
                    goto done;
                }
            }
            Py_DECREF(after);
            if (needed && can_reach != Py_None) {
                double limit = BOUND(rets, j);
                while (cursor != n && BOUND(calls, cursor) <= limit &&
                       walked.size <= walk_most) {
                    if (indices_push(&walked, cursor) < 0) goto done;
                    cursor = index_at(succ, cursor);
                    if (cursor < 0 || cursor > n) goto bad_links;
                }
                if (cursor == n || BOUND(calls, cursor) > limit) {
                    PyObject *available = PyList_New(0);
                    if (available == NULL) goto done;
                    for (Py_ssize_t w = 0; w < walked.size; w++) {
                        Py_ssize_t k = walked.items[w];
                        if (BOUND(calls, k) > limit) break;
                        if (k != j && PyList_Append(available, PyTuple_GET_ITEM(ops, k)) < 0) {
                            Py_DECREF(available);
                            goto done;
                        }
                    }
                    if (PyList_GET_SIZE(available) <= lookahead) {
                        PyObject *reach = PyObject_CallFunctionObjArgs(can_reach, state, op,
                                                                       available, NULL);
                        Py_DECREF(available);
                        if (reach == NULL) goto done;
                        int reachable = PyObject_IsTrue(reach);
                        Py_DECREF(reach);
                        if (reachable < 0) goto done;
                        if (!reachable) {
                            result = PyList_New(0);
                            goto done;
                        }
                    } else {
                        Py_DECREF(available);
                    }
                }
            }
        }
        PyObject *index = PyLong_FromSsize_t(j);
        if (index == NULL) goto done;
        int failed = PyList_Append(needed ? first : later, index);
        Py_DECREF(index);
        if (failed < 0) goto done;
    }
    if (PyList_SetSlice(first, PyList_GET_SIZE(first), PyList_GET_SIZE(first), later) < 0)
        goto done;
    result = first;
    first = NULL;
    goto done;
bad_links:
    PyErr_SetString(PyExc_ValueError, "candidates: a link out of range");
done:
#undef BOUND
    Py_XDECREF(first);
    Py_XDECREF(later);
    indices_free(&scan);
    indices_free(&walked);
    if (PyErr_Occurred()) Py_CLEAR(result);
    if (odd && result != NULL) {
        Py_DECREF(result);
        Py_RETURN_NONE;
    }
    return result;
}

static PyMethodDef methods[] = {
    {"edn_lines", (PyCFunction)(void (*)(void))edn_lines, METH_FASTCALL,
     "Read Jepsen-style EDN lines into records, up to the first line not taken."},
    {"log_lines", (PyCFunction)(void (*)(void))log_lines, METH_FASTCALL,
     "Read Jepsen log operation lines into events, up to the first line not taken."},
    {"pair", (PyCFunction)(void (*)(void))pair, METH_FASTCALL,
     "Pair invocations with completions, up to the first event not taken."},
    {"candidates", (PyCFunction)(void (*)(void))candidates, METH_FASTCALL,
     "The linearizability search's next moves from one configuration."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "_speedups",
    "The readers' hot loops in C (optional: the readers run the same loops in Python).", -1,
    methods,
};

PyMODINIT_FUNC PyInit__speedups(void) {
    fill_classes();
    for (int f = 0; f < EVENT_FIELDS; f++)
        if (!(event_field_strs[f] = PyUnicode_InternFromString(event_field_names[f]))) return NULL;
    return PyModule_Create(&module_def);
}

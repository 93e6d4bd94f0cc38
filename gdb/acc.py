# acc.py: gdb commands and pretty-printers that speak `.ac`.
#
#   acc-locals [-a]            the async function's locals by source name
#   acc-bt [TASK | FRAME [FN]] the async backtrace of a task
#   acc-tasks                  every task of every runtime
#   print *ac__F                a frame: its state and live locals
#
# Load it with `source $(acc --gdb-init)`-style commands (docs/cli.md).
#
# Everything here is read from the debug tables acc writes into each
# translated file (ac.h, "debug metadata"): source names, frame offsets,
# state names and await positions.  Nothing guesses how acc names frame
# members, so the commands keep working when those names change.  Tasks
# are found by walking each runtime's slab (runtime/src/slab.c) through
# libacrt's debug information; nothing is called in the inferior, so a
# core file works as well as a live process.

import re

import gdb

DONE = 0xFFFFFFFF
KIND = {1: "param", 2: "local", 3: "temp", 4: "child", 5: "literal"}
CHILD_INLINE, CHILD_HEAP, CHILD_LEAF, CHILD_PLACE, CHILD_DYN = 1, 2, 3, 4, 5
# ac_task_t.state bits (runtime/src/internal.h)
T_RUNNING, T_NOTIFIED, T_COMPLETE, T_CANCELLED = 1, 2, 4, 8
# A task handle (ac_task_t *) is its slot's address with the slot's
# generation in the bits an address does not use (runtime/src/handle.c).
HANDLE_ADDR = 0x00007FFFFFFFFFF8  # AC__H_ADDR


class AccError(Exception):
    pass


def _u32(addr):
    mem = gdb.selected_inferior().read_memory(addr, 4)
    return int.from_bytes(bytes(mem), "little")


def _ptr(addr):
    size = gdb.lookup_type("void").pointer().sizeof
    mem = gdb.selected_inferior().read_memory(addr, size)
    return int.from_bytes(bytes(mem), "little")


def _str(val):
    return val.string() if int(val) else None


# ==== the tables ====


class Field:
    def __init__(self, v):
        self.name = _str(v["name"])
        self.cname = _str(v["cname"])
        self.type = _str(v["type"]) or ""
        self.offset = int(v["offset"])
        self.size = int(v["size"])
        self.kind = KIND.get(int(v["kind"]), "?")
        self.line = int(v["line"])


def _read_await(obj, v):
    """The fields an await state and a combinator branch share: the awaited
    text, its position and where its future lives."""
    obj.expr = _str(v["expr"])
    obj.callee = _str(v["callee"])
    obj.line = int(v["line"])
    obj.col = int(v["col"])
    obj.child_kind = int(v["child_kind"])
    obj.child_field = int(v["child_field"])
    obj.child_addr = int(v["child"])


class State:
    def __init__(self, v):
        self.name = _str(v["name"])
        _read_await(self, v)
        live = v["live"]
        self.live = [int(live[i]) for i in range(int(v["nlive"]))]
        # a combinator's branches (tables of version 2 on)
        self.branches, self.running_field = [], DONE
        names = [f.name for f in v.type.strip_typedefs().fields()]
        if "branches" in names:
            b = v["branches"]
            self.branches = [Branch(b[i]) for i in range(int(v["nbranches"]))]
            self.running_field = int(v["running_field"])


class Branch:
    """A branch of a combinator's await: where its future lives."""

    def __init__(self, v):
        _read_await(self, v)


class Table:
    """One async function's debug table, read once."""

    def __init__(self, ptr):
        v = ptr.dereference()
        self.addr = int(ptr)
        self.name = _str(v["name"])
        self.name_addr = int(v["name"])
        self.file = _str(v["file"])
        self.line = int(v["line"])
        self.frame_type = _str(v["frame_type"])
        self.state_offset = int(v["state_offset"])
        self.size = int(v["size"])
        self.vtable = int(v["vtable"])
        # 0 in the tables acc writes now: body_table finds a C frame's
        # table by the frame function's name
        self.poll = int(v["poll"])
        self._block = None
        self.fields = [Field(v["fields"][i]) for i in range(int(v["nfields"]))]
        self.states = [State(v["states"][i]) for i in range(int(v["nstates"]))]

    def state_index(self, word):
        """The table's state for the frame's state word."""
        if word == DONE:
            return len(self.states) - 1
        if 0 <= word < len(self.states) - 1:
            return word
        return None

    def where(self, st):
        return "%s:%d:%d" % (self.file, st.line, st.col)

    def block(self):
        """The static block of the file that defines the table (where its
        frame type is), or None."""
        if self._block is None:
            self._block = False
            if self.poll:
                try:
                    self._block = gdb.block_for_pc(self.poll)
                except RuntimeError:
                    pass
            else:
                self._block = _table_block(self.name + "__debug", self.addr)
        return self._block or None


def _table_block(name, addr):
    """The static block of the symbol `name` at addr: a static table's,
    of which each file may have its own, or an exported one's."""
    syms = list(gdb.lookup_static_symbols(name))
    glob = gdb.lookup_global_symbol(name)
    if glob is not None:
        syms.append(glob)
    for sym in syms:
        try:
            if int(sym.value().address) == addr and sym.symtab is not None:
                return sym.symtab.static_block()
        except (gdb.error, RuntimeError):
            continue
    return None


class VtableTables:
    """The table of a vtable address: by the vtable's name pointer."""

    def __init__(self, tables):
        self.by_name = {t.name_addr: t for t in tables if t.name_addr}
        self.by_addr = {t.vtable: t for t in tables if t.vtable}
        self.known = {}

    def get(self, vt):
        if not vt:
            return None
        if vt not in self.known:
            t = self.by_addr.get(vt)
            if t is None:
                try:
                    vtp = gdb.lookup_type("ac_future_vtable_t").pointer()
                    name = int(gdb.Value(vt).cast(vtp).dereference()["name"])
                    t = self.by_name.get(name)
                except (gdb.error, gdb.MemoryError):
                    t = None
            self.known[vt] = t
        return self.known[vt]

    def __contains__(self, vt):
        return self.get(vt) is not None


class Registry:
    """Every table the program registered (ac_debug_register)."""

    def __init__(self, unit):
        self.head = int(unit)
        self.tables = []
        while int(unit):
            u = unit.dereference()
            for i in range(int(u["nfuncs"])):
                self.tables.append(Table(u["funcs"][i]))
            unit = u["next"]
        self.by_addr = {t.addr: t for t in self.tables}
        self.by_poll = {t.poll: t for t in self.tables if t.poll}
        # a vtable acc wrote shares its name pointer with the table
        # (ac_debug_find); older tables point at their vtable
        self.by_vtable = VtableTables(self.tables)
        self.by_type = {t.frame_type: t for t in self.tables}

    def child(self, st):
        return self.by_addr.get(st.child_addr)

    def named(self, name):
        for t in self.tables:
            if t.name == name or t.frame_type == name:
                return t
        return None


_cache = []


def registry():
    """The tables, read again only when a file registered more (the list
    only grows, at its head)."""
    try:
        unit = gdb.parse_and_eval("ac__debug_units")
    except gdb.error:
        raise AccError("no acc debug tables: is this a program built from "
                       ".ac files, with libacrt's debug information?")
    if not _cache or _cache[0].head != int(unit) or \
            _cache[1] != gdb.selected_inferior().pid:
        _cache[:] = [Registry(unit), gdb.selected_inferior().pid]
    return _cache[0]


# ==== a frame in memory ====


def frame_value(table, addr):
    """The frame at addr as a gdb value of its C type, or None."""
    try:
        ftype = gdb.lookup_type(table.frame_type, table.block())
    except (gdb.error, RuntimeError):
        try:
            ftype = gdb.lookup_type(table.frame_type)
        except gdb.error:
            return None
    return gdb.Value(addr).cast(ftype.pointer()).dereference()


def field_value(table, addr, fv, f):
    """A field's value by its C member, else by its type, else raw."""
    if fv is not None and f.cname:
        try:
            return fv[f.cname]
        except gdb.error:
            pass
    if f.type:
        try:
            return gdb.parse_and_eval("*(%s *)%d" % (f.type, addr + f.offset))
        except gdb.error:
            pass
    mem = gdb.selected_inferior().read_memory(addr + f.offset, f.size)
    return "0x" + bytes(mem).hex()


def fmt_value(v):
    try:
        text = str(v) if not isinstance(v, str) else v
    except gdb.error as e:
        text = "<%s>" % e
    return text.replace("\n", " ")


def describe_state(table, idx):
    st = table.states[idx]
    if st.expr is None:
        return st.name
    return "%s (await %s at %s)" % (st.name, st.expr, table.where(st))


# ==== a task's chain of frames ====


def child_frame(reg, table, addr, st):
    """(table, address) of the acc frame that a state's or a branch's
    future is, or (None, 0)."""
    if st.child_field == DONE or st.child_field >= len(table.fields):
        return None, 0
    at = addr + table.fields[st.child_field].offset
    if st.child_kind == CHILD_INLINE:
        return reg.by_addr.get(st.child_addr), at
    if st.child_kind in (CHILD_HEAP, CHILD_PLACE):
        return reg.by_addr.get(st.child_addr), _ptr(at)
    if st.child_kind == CHILD_DYN:  # ac_dyn_t: its vt, then its fut
        size = gdb.lookup_type("void").pointer().sizeof
        return reg.by_vtable.get(_ptr(at)), _ptr(at + size)
    return None, 0


def chain(reg, table, addr, limit=64):
    """[(table, frame address, state index)] from a frame to the innermost
    acc frame it waits on, or to a combinator's await, whose branches
    (branch_chains) each go on from there."""
    out = []
    while table is not None and addr and len(out) < limit:
        idx = table.state_index(_u32(addr + table.state_offset))
        out.append((table, addr, idx))
        if idx is None:
            break
        table, addr = child_frame(reg, table, addr, table.states[idx])
    return out


def branch_chains(reg, table, addr, idx, limit=64):
    """[(branch, running, chain)] of a combinator's await: each branch, if
    it still runs (ac_all drops each as it completes), and the chain of
    acc frames from its future on ([] for a hand-written one)."""
    st = table.states[idx] if idx is not None else None
    if st is None or not st.branches:
        return []
    mask = None
    if st.running_field != DONE and st.running_field < len(table.fields):
        f = table.fields[st.running_field]
        mem = gdb.selected_inferior().read_memory(addr + f.offset, f.size)
        mask = int.from_bytes(bytes(mem), "little")
    out = []
    for i, b in enumerate(st.branches):
        running = mask is None or bool(mask >> i & 1)
        sub = []
        if running:
            t, a = child_frame(reg, table, addr, b)
            sub = chain(reg, t, a, limit)
        out.append((b, running, sub))
    return out


def all_frames(reg, table, addr, limit=64):
    """Every (table, address, state index) a task waits in, innermost
    first: its chain and, under a combinator, each running branch's."""
    links = chain(reg, table, addr, limit)
    inner = []
    t, a, idx = links[-1]
    for _, running, sub in branch_chains(reg, t, a, idx, limit):
        if sub:
            inner += all_frames(reg, sub[0][0], sub[0][1], limit)
    return inner + list(reversed(links))


def leaf_of(table, idx):
    """The hand-written future the innermost frame waits on, if any."""
    st = table.states[idx] if idx is not None else None
    if st and st.child_kind == CHILD_LEAF:
        return st.callee
    return None


def branch_where(table, b):
    return "%s:%d:%d" % (table.file, b.line, b.col)


def level_text(t, idx):
    """`NAME in STATE, await EXPR at POS`, as acc-bt prints a level."""
    if idx is None:
        return "%s: bad state word" % t.name
    st = t.states[idx]
    if st.expr is None:
        return "%s in %s" % (t.name, st.name)
    return "%s in %s, await %s at %s" % (t.name, st.name, st.expr,
                                         t.where(st))


def print_links(reg, links, indent=""):
    """A chain innermost first, numbered from #0; under a combinator's
    await, each branch with the chain of its future, indented."""
    for n, (t, a, idx) in enumerate(reversed(links)):
        leaf = leaf_of(t, idx) if n == 0 else None
        print("%s#%d  %s%s  (frame %#x)" % (indent, n, level_text(t, idx),
                                            " on %s" % leaf if leaf else "",
                                            a))
        if n:
            continue
        for i, (b, running, sub) in enumerate(
                branch_chains(reg, t, a, idx)):
            what = "done" if not running else \
                "on %s" % b.callee if not sub else "waits in %s" % sub[0][0].name
            print("%s    branch %d: %s at %s, %s" %
                  (indent, i, b.expr, branch_where(t, b), what))
            if sub:
                print_links(reg, sub, indent + "      ")


def innermost_text(reg, links):
    """Where a chain waits: its innermost await, or under a combinator's
    await, each running branch's innermost one, [b0 | b1]."""
    table, addr, idx = links[-1]
    if idx is None:
        return "%s: bad state word" % table.name
    st = table.states[idx]
    if st.expr is None:
        text = "%s: %s" % (table.name, st.name)
    else:
        text = "%s: await %s at %s" % (table.name, st.expr, table.where(st))
    parts = []
    for b, running, sub in branch_chains(reg, table, addr, idx):
        if running and sub:
            parts.append(innermost_text(reg, sub))
        elif running:
            parts.append("%s on %s" % (b.expr, b.callee))
    return text + (" -> [%s]" % " | ".join(parts) if parts else "")


# ==== poll frames on the C stack ====


_BODY = re.compile(r"(.*)__(run|now|poll|poll_cold|hot[0-9]+)$")


def _lookup(name, block):
    try:
        return gdb.lookup_symbol(name, block)[0]
    except (gdb.error, RuntimeError):
        return None


def body_table(reg, fn, frame):
    """The table of f when fn runs f's body: f__run (by value), f__now (no
    await), else f__poll, with f__poll_cold and f__hotK, the parts of a
    poll whose hot loops f__poll copies (docs/lowering.md, "Hot loops").
    By name: the table does not take the function's address, which would
    keep it out of line (emit_debug.c); f__debug is the one in the frame's
    own file.  f__poll only wraps f__run or f__now where either exists."""
    m = _BODY.match(fn.name or "")
    if not m:
        return None
    try:
        block = frame.block()
    except RuntimeError:
        return None
    sym = _lookup(m.group(1) + "__debug", block)
    try:
        t = reg.by_addr.get(int(sym.value().address)) if sym else None
    except gdb.error:
        return None
    if t is None or t.poll:
        return None
    if m.group(2) == "poll" and (_lookup(m.group(1) + "__run", block) or
                                 _lookup(m.group(1) + "__now", block)):
        return None
    return t


def split_poll_table(reg, fn, frame):
    """An older table's (one that names its function): the table of f when
    fn is f__poll_cold or f__hotK."""
    m = re.match(r"(.*)__(poll_cold|hot[0-9]+)$", fn.name or "")
    if not m:
        return None
    sym = _lookup(m.group(1) + "__poll", frame.block())
    return reg.by_poll.get(int(sym.value().address)) if sym else None


def poll_frames(reg, frame):
    """[(gdb frame, table, frame address)] of acc poll functions from
    `frame` outwards (innermost first)."""
    out = []
    while frame is not None:
        fn = frame.function()
        if fn is not None:
            t = body_table(reg, fn, frame)
            if t is None and reg.by_poll:
                t = _by_poll(reg, fn, frame)
            if t is not None:
                out.append((frame, t, frame_addr(frame, fn)))
        frame = frame.older()
    return out


def _by_poll(reg, fn, frame):
    try:
        t = reg.by_poll.get(int(fn.value().address))
    except gdb.error:
        return None
    return t if t is not None else split_poll_table(reg, fn, frame)


def frame_addr(frame, fn):
    """The acc frame a poll function's C frame runs: its first argument,
    or for f__now (a function without an await, docs/lowering.md §4) the
    frame on its own C stack, its local ac__f."""
    if (fn.name or "").endswith("__now"):
        try:
            addr = int(frame.read_var("ac__f").address)
            # Stopped in the prologue, the local may not have its place yet
            # (under ASan it lives on a fake stack made there).
            gdb.selected_inferior().read_memory(addr, 1)
            return addr
        except (gdb.error, ValueError, RuntimeError, TypeError):
            return None  # TypeError: an optimized-out ac__f has no address
    return frame_arg(frame)


def frame_arg(frame):
    """The frame pointer a poll function's C frame runs: its argument
    ac__self (f__poll, f__run) or ac__F (f__hotK, f__poll_cold), by name,
    since an optimizing compiler may list the arguments in another order;
    None where it is optimized out.  Else its first argument."""
    try:
        block = frame.block()
    except RuntimeError:
        return None
    while block is not None and block.function is None:
        block = block.superblock
    if block is None:
        return None
    args = [sym for sym in block if sym.is_argument]
    named = [sym for sym in args if sym.name in ("ac__self", "ac__F")]
    for sym in named or args[:1]:
        try:
            return int(frame.read_var(sym, block))
        except (gdb.error, ValueError):
            return None
    return None


# ==== tasks ====


def runtime_tasks():
    """[(runtime address, task value)] for every slot in every slab."""
    try:
        rt = gdb.parse_and_eval("ac__debug_runtimes")
        hdr = int(gdb.parse_and_eval("ac__debug_slab_hdr"))
        task_ptr = gdb.lookup_type("struct ac_task").pointer()
    except gdb.error:
        raise AccError("libacrt's debug information is missing (build it "
                       "with -g) or no runtime exists yet")
    out = []
    while int(rt):
        sched = rt.dereference()["sched"]
        heaps = sched["heaps"]
        for i in range(int(sched["nworkers"]) + 1 if int(heaps) else 0):
            c = heaps[i]["chunks"]
            while int(c):
                ch = c.dereference()
                base = int(c) + hdr
                for k in range(int(ch["carved"])):
                    p = base + k * int(ch["slot"])
                    if _u32(p):
                        out.append((int(rt), gdb.Value(p).cast(task_ptr)))
                c = ch["next"]
        c = sched["large"]
        while int(c):
            ch = c.dereference()
            out.append((int(rt),
                        gdb.Value(int(c) + int(ch["slot"])).cast(task_ptr)))
            c = ch["next"]
        rt = rt.dereference()["debug_next"]
    return out


def parked_tasks():
    """Addresses of the tasks in a multi-thread worker's parked slot
    (runtime/src/sched.c): RUNNING in their state word, yet waiting."""
    out = set()
    try:
        rt = gdb.parse_and_eval("ac__debug_runtimes")
    except gdb.error:
        return out
    while int(rt):
        sched = rt.dereference()["sched"]
        workers = sched["workers"]
        for i in range(int(sched["nworkers"]) if int(workers) else 0):
            p = int(workers[i]["parked"])
            if p:
                out.add(p)
        rt = rt.dereference()["debug_next"]
    return out


def running_futures(reg):
    """{future address: (thread number, where)} of tasks being polled now:
    the outermost acc poll frame on each thread's stack is its task's
    future; `where` is the innermost one's function and line, as acc-bt's
    first level shows it (a running task is past the await its frame's
    state word still names)."""
    out = {}
    selected = gdb.selected_thread()
    try:
        frame = gdb.selected_frame()
    except gdb.error:
        frame = None
    try:
        for th in gdb.selected_inferior().threads():
            th.switch()
            try:
                frames = poll_frames(reg, gdb.newest_frame())
            except gdb.error:
                continue
            if frames and frames[-1][2]:
                out[frames[-1][2]] = (th.num, running_text(frames[0]))
    finally:
        if selected is not None:
            selected.switch()
        if frame is not None and frame.is_valid():
            frame.select()
    return out


def running_line(frame, table):
    """The .ac line a poll frame runs at (its function's, if gdb has none)."""
    sal = frame.find_sal()
    return sal.line if sal and sal.line else table.line


def running_text(poll_frame):
    frame, table, _ = poll_frame
    return "%s: running at %s:%d" % (table.name, table.file,
                                     running_line(frame, table))


# ac_task_t.vtw: the vtable, and in its low bits AC__VT_LOCAL (a
# current-thread runtime's task), AC__VT_QUEUED (such a task's RUNNING) and
# AC__VT_SLOW (sched.c takes the general run path)
VT_LOCAL, VT_QUEUED, VT_BITS = 1, 2, 7


def task_vt(task):
    """The task's vtable (ac__task_vt in runtime/src/internal.h)."""
    vtw = int(task.dereference()["vtw"]) & ~VT_BITS
    vt_ptr = gdb.lookup_type("ac_future_vtable_t").pointer()
    return gdb.Value(vtw).cast(vt_ptr)


def task_future(task):
    """The future follows the 32-byte header, or sits at its alignment if
    that is larger (ac__fut_off in runtime/src/internal.h)."""
    header = gdb.lookup_type("struct ac_task").sizeof
    align = int(task_vt(task).dereference()["align"])
    return int(task) + max(align, header)


def task_state(task, running, parked=frozenset()):
    st = _u32(int(task))  # the state word comes first
    if st & T_COMPLETE:
        return "finished"
    if st & T_CANCELLED:
        return "cancelling"
    if task_future(task) in running:
        return "running"
    vtw = int(task.dereference()["vtw"])
    if int(task) in parked and not st & T_NOTIFIED:
        return "waiting"
    if st & T_RUNNING or (vtw & VT_LOCAL and vtw & VT_QUEUED):
        return "ready"
    return "waiting"


def task_name(task):
    return _str(task_vt(task).dereference()["name"]) or "?"


def innermost(reg, task):
    t = reg.by_vtable.get(int(task_vt(task)))
    if t is None:
        return "-"
    return innermost_text(reg, chain(reg, t, task_future(task)))


# ==== commands ====


_IDENT = re.compile(r"(?<![\w.>$])([A-Za-z_]\w*)")


def eval_source(reg, text):
    """Evaluates an expression that may name the selected async function's
    locals by their source names.  As in C, those names hide globals of
    the same name: each is replaced by its frame member before gdb sees
    the expression."""
    try:
        frames = poll_frames(reg, gdb.selected_frame())
    except gdb.error:
        frames = []
    if frames and frames[0][2]:
        _, table, addr = frames[0]
        names = {f.name: f for f in table.fields
                 if f.kind in ("param", "local") and f.cname}

        def member(m):
            f = names.get(m.group(1))
            if f is None:
                return m.group(0)
            return "((%s *)%d)->%s" % (table.frame_type, addr, f.cname)
        if any(m.group(1) in names for m in _IDENT.finditer(text)):
            return gdb.parse_and_eval(_IDENT.sub(member, text))
    return gdb.parse_and_eval(text)


def parse_address(reg, text):
    v = eval_source(reg, text)
    return v, int(v)


def vt_offset():
    t = gdb.lookup_type("struct ac_task")
    return next(f.bitpos // 8 for f in t.fields() if f.name == "vtw")


def task_table(reg, addr):
    addr &= HANDLE_ADDR
    task_ptr = gdb.lookup_type("struct ac_task").pointer()
    task = gdb.Value(addr).cast(task_ptr)
    table = reg.by_vtable.get(int(task_vt(task)))
    if table is None:
        raise AccError("task %#x runs %s, which acc did not write" %
                       (addr, task_name(task)))
    return table, task_future(task)


def resolve(reg, arg, cmd):
    """(table, frame address) of what an argument names: a task handle
    (ac_task_t *, or an address acc-tasks printed), a frame of a known
    type, or an address followed by its async function's name."""
    words = arg.split()
    fn = None
    if len(words) > 1 and reg.named(words[-1]) is not None:
        fn = reg.named(words[-1])
        arg = " ".join(words[:-1])
    val, addr = parse_address(reg, arg)
    target = val.type.strip_typedefs()
    if target.code == gdb.TYPE_CODE_PTR:
        target = target.target().strip_typedefs()
    tag = target.tag or target.name
    if fn is not None:
        return fn, addr
    if tag == "ac_task":
        return task_table(reg, addr)
    if tag and reg.named(tag):
        return reg.named(tag), addr
    try:  # a plain number: a task, if its vtable is one of ours
        vtw = _ptr((addr & HANDLE_ADDR) + vt_offset())
        if vtw & ~VT_BITS in reg.by_vtable:
            return task_table(reg, addr)
    except (gdb.error, gdb.MemoryError):
        pass
    raise AccError("cannot tell which async function %s is; write "
                   "'%s ADDRESS FUNCTION'" % (arg, cmd))


class AccLocals(gdb.Command):
    """Locals and parameters of the async function at the selected frame,
    by their source names.  `*' marks those live in the frame's state (the
    state it was last suspended in, or Start).  -a: temporaries and child
    futures too.  With a task or a frame (as acc-bt takes them): the locals
    of every level of that suspended task, innermost first."""

    def __init__(self):
        super().__init__("acc-locals", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        try:
            reg = registry()
            words = arg.split()
            show_all = "-a" in words
            rest = " ".join(w for w in words if w != "-a")
            if rest:
                table, start = resolve(reg, rest, "acc-locals")
                for n, (t, a, idx) in enumerate(
                        all_frames(reg, table, start)):
                    print("#%d " % n, end="")
                    print_frame(t, a, show_all, None, suspended=True)
                return
            frames = poll_frames(reg, gdb.selected_frame())
            if not frames:
                raise AccError("the selected frame is not inside an async "
                               "function's poll")
            frame, table, addr = frames[0]
            if not addr:
                print("%s's frame is not set up yet (stopped in its "
                      "prologue): step once" % table.name)
                return
            sal = frame.find_sal()
            # An outer level of the task polls its child at its await; the
            # innermost one runs the user's code.
            inner = poll_frames(reg, gdb.newest_frame())
            polling = bool(inner) and inner[0][0] != frame
            print_frame(table, addr, show_all,
                        sal.line if sal and sal.line else None, polling)
        except AccError as e:
            raise gdb.GdbError(str(e))


def print_frame(table, addr, show_all, line, polling=False,
                suspended=False):
    """The fields of a running poll's frame: `*' marks those live in the
    state it resumed from (Start on its first poll), or, for an outer
    level that is polling its child, in the state of that await."""
    word = _u32(addr + table.state_offset)
    idx = table.state_index(word)
    state = describe_state(table, idx) if idx is not None else \
        "bad state word %#x" % word
    if suspended:
        print("%s suspended, frame %#x, state %s" % (table.name, addr, state))
    elif polling and idx is not None:
        print("%s polling its child, frame %#x, state %s" %
              (table.name, addr, state))
    else:
        print("%s running at %s:%d, frame %#x, resumed from %s" %
              (table.name, table.file, line or table.line, addr, state))
    live = set(table.states[idx].live) if idx is not None else set()
    # Stopped at an await, a field not live there holds nothing of its own:
    # its bytes may be shared with a field of another state (docs/lowering.md,
    # frame layout).  A running level may have set it since it resumed.
    at_await = (polling or suspended) and idx is not None
    fv = frame_value(table, addr)
    rows = []
    for i, f in enumerate(table.fields):
        if f.kind in ("temp", "child") and not show_all:
            continue
        if i in live or not at_await:
            val = fmt_value(field_value(table, addr, fv, f))
        else:
            val = "<not live>"
        rows.append(("*" if i in live else " ", f.name, f.type, f.kind, val))
    if not rows:
        print("  (no locals kept in the frame)")
    width = max([len(r[1]) for r in rows] + [4])
    for mark, name, ctype, kind, val in rows:
        print("%s %-*s = %s  (%s%s)" % (mark, width, name, val, kind,
                                          ", " + ctype if ctype else ""))


class AccBt(gdb.Command):
    """The async backtrace of a task: each level's async function, its state
    and the .ac position of the await it waits at.  Without an argument:
    the task running on the selected thread.  With one: a task handle
    (ac_task_t *) or the address of a frame; a frame given as a plain
    address needs its async function: acc-bt ADDR FUNCTION."""

    def __init__(self):
        super().__init__("acc-bt", gdb.COMMAND_STACK)

    def invoke(self, arg, from_tty):
        try:
            reg = registry()
            if arg.strip():
                self.stored(reg, arg)
            else:
                self.running(reg)
        except AccError as e:
            raise gdb.GdbError(str(e))

    def running(self, reg):
        frames = poll_frames(reg, gdb.selected_frame())
        if not frames:
            raise AccError("no async function on this thread's stack: give "
                           "a task or a frame (acc-tasks lists them)")
        for n, (frame, table, addr) in enumerate(frames):
            if n == 0:
                where = "frame %#x" % addr if addr else "frame not set up yet"
                print("#%d  %s running at %s:%d  (%s)" %
                      (n, table.name, table.file, running_line(frame, table),
                       where))
                continue
            sal = frame.find_sal()
            if not addr:  # optimized out: no state to read
                print("#%d  %s at %s:%d  (frame optimized out)" %
                      (n, table.name, table.file, sal.line if sal else 0))
                continue
            idx = table.state_index(_u32(addr + table.state_offset))
            st = table.states[idx] if idx is not None else None
            if st is None or st.expr is None:
                print("#%d  %s at %s:%d  (frame %#x)" %
                      (n, table.name, table.file, sal.line if sal else 0, addr))
            else:
                print("#%d  %s in %s, await %s at %s  (frame %#x)" %
                      (n, table.name, st.name, st.expr, table.where(st), addr))

    def stored(self, reg, arg):
        table, start = resolve(reg, arg, "acc-bt")
        print_links(reg, chain(reg, table, start))


class AccTasks(gdb.Command):
    """Every task of every runtime: its address (what acc-bt takes), state
    (running, ready, waiting, finished), top-level async function and the
    await it is suspended at, innermost first (for a running task, the
    line it runs at)."""

    def __init__(self):
        super().__init__("acc-tasks", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        try:
            reg = registry()
            tasks = runtime_tasks()
            running = running_futures(reg)
            parked = parked_tasks()
        except AccError as e:
            raise gdb.GdbError(str(e))
        if not tasks:
            print("no tasks")
            return
        print("%-3s %-18s %-18s %-14s %s" %
              ("#", "task", "state", "function", "innermost await"))
        for n, (_, task) in enumerate(tasks, 1):
            state = task_state(task, running, parked)
            where = innermost(reg, task) if state != "finished" else "-"
            if state == "running":
                thread, where = running[task_future(task)]
                state += " (thread %d)" % thread
            print("%-3d %#-18x %-18s %-14s %s" %
                  (n, int(task), state, task_name(task), where))


# ==== pretty-printer: print *ac__F ====


class FramePrinter:
    def __init__(self, table, val):
        self.table = table
        self.val = val

    def to_string(self):
        t = self.table
        addr = int(self.val.address)
        idx = t.state_index(_u32(addr + t.state_offset))
        if idx is None:
            return "%s frame, bad state word" % t.name
        return "%s frame, state %s" % (t.name, describe_state(t, idx))

    def children(self):
        t = self.table
        addr = int(self.val.address)
        idx = t.state_index(_u32(addr + t.state_offset))
        if idx is None:
            return
        for i in t.states[idx].live:
            f = t.fields[i]
            if f.kind in ("param", "local", "literal"):
                yield f.name, field_value(t, addr, self.val, f)


def lookup_printer(val):
    t = val.type.strip_typedefs()
    if t.code != gdb.TYPE_CODE_STRUCT or not t.tag or val.address is None:
        return None
    try:
        reg = registry()
    except (AccError, gdb.error, gdb.MemoryError):
        return None
    table = reg.by_type.get(t.tag)
    return FramePrinter(table, val) if table else None


class AccPrint(gdb.Command):
    """Print an expression that names the selected async function's locals
    and parameters by their source names: acc-print total / 2."""

    def __init__(self):
        super().__init__("acc-print", gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        try:
            print(fmt_value(eval_source(registry(), arg)))
        except AccError as e:
            raise gdb.GdbError(str(e))


AccLocals()
AccPrint()
AccBt()
AccTasks()
gdb.pretty_printers.append(lookup_printer)

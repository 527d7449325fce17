"""ABI 1.1 and later in the real weft: a plugin built against the frozen 1.0 headers
(t/plugins/abi10.c) loads, takes its options and serves; engines declare
their capabilities, the core reports them (api->engine_flags,
api->can_suspend, t/plugins/caps.c) and refuses at start-up a language that
cannot run on the selected engine's foreign C stacks (t/plugins/nostack.c)."""
import os
import re
import struct

from weftlib import SRCDIR, TEST_PLUGINS, http_get, run


def tp(name):
    return os.path.join(TEST_PLUGINS, name + ".so")


ABI10 = tp("abi10")


def core_abi():
    """The core's ABI, major.minor, as the installed SDK's version.h says."""
    with open(os.path.join(SRCDIR, "sdk", "include", "weft", "version.h")) as f:
        text = f.read()
    major = re.search(r"#define WEFT_ABI_MAJOR (\d+)", text).group(1)
    minor = re.search(r"#define WEFT_ABI_MINOR (\d+)", text).group(1)
    return ("%s.%s" % (major, minor)).encode()


CORE_ABI = core_abi()
NOSTACK = tp("nostack")
CAPS = tp("caps")


# ------------------------------------------------------------ a 1.0 plugin

def elf_symbol_bytes(path, name, n):
    """The first n bytes of a 64-bit little-endian ELF object's dynamic
    symbol `name`, read from the file: the plugin is never loaded into this
    process (a sanitizer build's plugin cannot be)."""
    with open(path, "rb") as f:
        elf = f.read()
    assert elf[:4] == b"\x7fELF" and elf[4] == 2 and elf[5] == 1, "not a 64-bit LE ELF"
    shoff, = struct.unpack_from("<Q", elf, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", elf, 0x3a)
    sections = [struct.unpack_from("<IIQQQQIIQQ", elf, shoff + i * shentsize)
                for i in range(shnum)]
    for sh in sections:
        if sh[1] != 11:                     # SHT_DYNSYM
            continue
        strtab = sections[sh[6]]            # its sh_link: the names
        for off in range(sh[4], sh[4] + sh[5], 24):
            st_name, _, _, st_shndx, st_value, _ = struct.unpack_from("<IBBHQQ", elf, off)
            end = elf.index(b"\0", strtab[4] + st_name)
            if elf[strtab[4] + st_name:end] == name.encode() and st_shndx != 0:
                target = sections[st_shndx]
                at = target[4] + st_value - target[3]   # sh_offset + (value - sh_addr)
                return elf[at:at + n]
    raise AssertionError("%s exports no %s" % (path, name))


def test_abi10_descriptor_is_the_1_0_one():
    # What the loader sees: built for 1.0, a descriptor without option_size.
    magic, major, minor, size = struct.unpack("<IHHI", elf_symbol_bytes(ABI10, "weft_plugin", 12))
    assert magic == 0x54464557
    assert (major, minor) == (1, 0)
    # 1.0's descriptor ends with init: 16 bytes of header and flags, then
    # name, version, summary, requires, options, init.
    assert size == 16 + 6 * 8


def test_abi10_plugin_loads_takes_its_options_and_serves(weft):
    w = weft("--plugin", ABI10, "--abi10-greeting", "hello", "--abi10-loud")
    r = http_get(w, "/anything", headers=[("X-Abi", "one-oh")])
    assert r.status == 200
    assert r.body == b"abi10 greeting=hello! x=one-oh core-abi=" + CORE_ABI + b"\n"
    r = http_get(w, "/")
    assert r.body == b"abi10 greeting=hello! x=- core-abi=" + CORE_ABI + b"\n"


def test_abi10_plugin_serves_under_an_engine(weft):
    w = weft("--plugin", ABI10, "--abi10-greeting", "async", "--async", "4", "--ugreen")
    w.wait_log(r"engine ugreen")
    assert http_get(w, "/").body == b"abi10 greeting=async x=- core-abi=" + CORE_ABI + b"\n"


def test_abi10_options_in_help():
    r = run(["--help", "--plugin", ABI10])
    assert r.returncode == 0, r.stderr
    assert "--abi10-greeting WORD" in r.stdout
    assert "--abi10-loud" in r.stdout
    assert "add an exclamation mark" in r.stdout


def test_abi10_option_errors_name_the_option():
    # (a boolean is true unless false/off/no/0, as in uWSGI: a missing value
    # is the error left for a 1.0 table's option)
    r = run(["--plugin", ABI10, "--http-socket", "127.0.0.1:0", "--abi10-greeting"])
    assert r.returncode != 0
    assert "--abi10-greeting needs a value (WORD)" in r.stderr, r.stderr


# ------------------------------------------------------------ capabilities

def caps(w):
    return http_get(w, "/").body.decode()


def test_caps_without_an_engine(weft):
    w = weft("--plugin", CAPS)
    assert caps(w) == "can_suspend=0 null=0 engine_flags=0x0 engine=none\n"
    w2 = weft("--plugin", CAPS, "--async", "4")
    assert caps(w2) == "can_suspend=0 null=0 engine_flags=0x0 engine=none\n"


def test_caps_under_ugreen(weft):
    w = weft("--plugin", CAPS, "--async", "4", "--ugreen")
    # FOREIGN_STACK, and a wait from the request's own core suspends only it
    assert caps(w) == "can_suspend=1 null=0 engine_flags=0x1 engine=ugreen\n"


def test_caps_under_a_loop_engine(weft):
    w = weft("--plugin", CAPS, "--plugin", tp("testloop"), "--testloop", "4")
    # OWNS_LOOP (implied for every loop engine) | FOREIGN_STACK
    assert caps(w) == "can_suspend=1 null=0 engine_flags=0x5 engine=testloop\n"


LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[\d+\] (\w+) (.*)$")


def error_lines(r):
    out = []
    for line in r.stderr.splitlines():
        m = LOG_LINE.match(line)
        if m and m.group(1) == "ERROR":
            out.append(m.group(2))
    return out


def test_no_foreign_stack_language_is_refused_on_ugreen():
    r = run(["--plugin", NOSTACK, "--async", "2", "--ugreen",
             "--http-socket", "127.0.0.1:0"], timeout=20)
    assert r.returncode != 0, r.stderr
    errors = error_lines(r)
    assert len(errors) == 1, r.stderr
    line = errors[0]
    assert line.startswith("nostack cannot run on ugreen's foreign C stacks"), line
    assert "plugin nostack-plugin" in line and "plugin ugreen" in line, line
    assert line.endswith("use --fiber instead"), line
    assert "listening" not in r.stderr


def test_no_foreign_stack_language_is_refused_on_a_foreign_stack_loop_engine():
    r = run(["--plugin", NOSTACK, "--plugin", tp("testloop"), "--testloop", "2",
             "--http-socket", "127.0.0.1:0"], timeout=20)
    assert r.returncode != 0, r.stderr
    errors = error_lines(r)
    assert len(errors) == 1, r.stderr
    assert errors[0].startswith("nostack cannot run on testloop's foreign C stacks"), errors
    assert "use --fiber instead" in errors[0]


def test_no_foreign_stack_language_serves_without_such_an_engine(weft):
    w = weft("--plugin", NOSTACK, "--async", "2")
    assert http_get(w, "/").body == b"nostack"

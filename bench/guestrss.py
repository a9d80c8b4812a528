# SPDX-License-Identifier: MIT
# guestrss.py PID BINARY [QEMU_LOG]: the resident kB of a 32-bit guest under
# qemu-user, summed over the mappings inside the guest's address window.
# qemu maps the guest at its guest_base: without QEMU_LOG the window is
# 4 GiB from the static binary's mapping minus its link address (0x400000:
# MIPS).  A position-independent (dynamic) binary has no fixed address:
# then QEMU_LOG is the file of `qemu-mipsel -d page -D QEMU_LOG`, whose
# "pgb_reserved_va: base @ X for N bytes" line gives the window itself.
# What lies outside is the emulator (its code, translated-code buffer,
# heap): doc/footprint.md.
import re
import sys

pid, binname = sys.argv[1], sys.argv[2]
maps, cur = [], None
with open(f'/proc/{pid}/smaps') as f:
    for line in f:
        m = re.match(r'^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$', line)
        if m:
            cur = [int(m.group(1), 16), m.group(3), 0]
            maps.append(cur)
        elif line.startswith('Rss:'):
            cur[2] = int(line.split()[1])
if len(sys.argv) > 3:
    with open(sys.argv[3]) as f:
        m = re.search(r'pgb_reserved_va: base @ (0x)?([0-9a-f]+) for (\d+) bytes', f.read())
    if m is None:
        sys.exit(f'guestrss: no guest base in {sys.argv[3]}')
    base, size = int(m.group(2), 16), int(m.group(3))
else:
    base = min(a for a, n, r in maps if n.endswith(binname)) - 0x400000
    size = 1 << 32
print(sum(r for a, n, r in maps if base <= a < base + size))

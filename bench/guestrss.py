# SPDX-License-Identifier: MIT
# guestrss.py PID BINARY: the resident kB of a 32-bit guest under qemu-user,
# summed over the mappings inside the guest's 4 GiB window.  qemu maps the
# guest at its guest_base: the window starts at the static binary's mapping
# minus its link address (0x400000: MIPS).  What lies outside is
# the emulator (its code, translated-code buffer, heap): doc/footprint.md.
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
base = min(a for a, n, r in maps if n.endswith(binname)) - 0x400000
print(sum(r for a, n, r in maps if base <= a < base + (1 << 32)))

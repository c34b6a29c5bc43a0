"""Shared helpers for the benchmark drivers side_by_side.py (HNSW) and kv_side_by_side.py (key-value).

Not meant to be run directly; the drivers put this folder on sys.path and import it:

    import bench_support
    from bench_support import log, load_average, wait_until_idle, ...
    bench_support.set_log_tag("kv-side-by-side")

What lives here:
  * progress logging to stderr, tagged with the driver's name (set_log_tag, log),
  * machine load, all from /proc (Linux): load_average, uptime, busy_cpu_seconds, busy_cores,
    cpu_busy_fraction, and wait_until_idle, which blocks until other people's jobs are done,
  * the machine line of the reports (machine_description),
  * running one benchmark child: wait_child (os.wait4, for the child's peak RSS and CPU time)
    and other_load_cores (how many cores everything else kept busy meanwhile: a noise figure),
  * the driver's own command line for the report (command_line), the report's output
    (emit_report) and the number cells of the markdown tables (fmt).
"""
import os
import platform
import shlex
import subprocess
import sys
import time
from pathlib import Path

_log_tag = "bench"


# --------------------------------------------------------------------------- logging
def set_log_tag(tag: str) -> None:
    """Name that log() puts in front of every line, e.g. "side-by-side"."""
    global _log_tag
    _log_tag = tag


def log(msg: str) -> None:
    """Print `[<tag> HH:MM:SS] msg` to stderr (stdout is kept for the report)."""
    print(f"[{_log_tag} {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- machine load
def load_average() -> str:
    """The 1, 5 and 15 minute load averages as "a b c", or "unknown"."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def uptime() -> str:
    """The output of uptime(1); the load average alone if it cannot run."""
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return f"load average {load_average()}"


def busy_cpu_seconds() -> float:
    """CPU seconds spent busy (all CPUs, all processes) since boot, from /proc/stat."""
    vals = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:8]]
    return (sum(vals) - vals[3] - vals[4]) / os.sysconf("SC_CLK_TCK")


def busy_cores(seconds: float = 3.0) -> float:
    """Average number of cores busy over the next `seconds`."""
    b0, t0 = busy_cpu_seconds(), time.monotonic()
    time.sleep(seconds)
    return (busy_cpu_seconds() - b0) / (time.monotonic() - t0)


def cpu_busy_fraction(seconds: float = 3.0) -> float:
    """Fraction of all CPU time that was busy over the next `seconds` (from /proc/stat)."""
    def snap():
        # user nice system idle iowait irq softirq steal (guest time is already in user)
        vals = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:9]]
        return sum(vals), vals[3] + vals[4]  # total, idle + iowait
    t0, i0 = snap()
    time.sleep(seconds)
    t1, i1 = snap()
    return 1.0 - (i1 - i0) / max(1, t1 - t0)


def wait_until_idle(max_wait: float, threshold: float = 0.15) -> None:
    """Block until the CPUs are < threshold busy (others' builds done) or max_wait seconds pass.

    Samples cpu_busy_fraction() (3 s), then every 10 s; logs each busy sample. max_wait <= 0:
    returns at once."""
    if max_wait <= 0:
        return
    deadline = time.monotonic() + max_wait
    while True:
        busy = cpu_busy_fraction()
        if busy < threshold:
            return
        if time.monotonic() > deadline:
            log(f"WARNING: still {busy:.0%} busy after waiting {max_wait:.0f}s; going on")
            return
        log(f"machine {busy:.0%} busy; waiting for it to go idle")
        time.sleep(10)


# --------------------------------------------------------------------------- machine info
def machine_description() -> dict:
    """cpu (lscpu model name), cores, kernel, memory ("15.6 GiB") and python version."""
    model = "unknown"
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    except OSError:
        pass
    mem = "unknown"
    try:
        kb = int(Path("/proc/meminfo").read_text().split("MemTotal:")[1].split()[0])
        mem = f"{kb / 2**20:.1f} GiB"
    except (OSError, IndexError, ValueError):
        pass
    return {"cpu": model, "cores": os.cpu_count(), "kernel": platform.release(), "memory": mem,
            "python": platform.python_version()}


# --------------------------------------------------------------------------- child processes
def wait_child(proc: subprocess.Popen):
    """Wait for proc with os.wait4; sets proc.returncode (so Popen does not wait again) and
    returns the child's resource usage (ru_maxrss in KiB, ru_utime, ru_stime)."""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return usage


def other_load_cores(busy_before: float, wall: float, own_cpu_seconds: float) -> float:
    """Average number of cores that other processes kept busy during a run of `wall` seconds
    that started when busy_cpu_seconds() was `busy_before`: machine busy time minus
    `own_cpu_seconds` (the measured processes' user + system time), over the wall time; >= 0."""
    return max(0.0, (busy_cpu_seconds() - busy_before - own_cpu_seconds) / wall)


# --------------------------------------------------------------------------- report
def command_line(repo: Path) -> str:
    """This driver's command line as one could type it in `repo`: `python3 <script> <args>`."""
    return shlex.join(["python3", os.path.relpath(sys.argv[0], repo)] + sys.argv[1:])


def emit_report(text: str, markdown_out) -> None:
    """Print the report to stdout and, if markdown_out (a Path) is given, write it there too."""
    print(text)
    if markdown_out:
        markdown_out.parent.mkdir(parents=True, exist_ok=True)
        markdown_out.write_text(text)
        log(f"wrote {markdown_out}")


def fmt(x, spec=",.0f", missing="–"):
    """format(x, spec), or `missing` for None: one cell of a markdown table."""
    return missing if x is None else format(x, spec)

"""Time what a newcomer waits for: a fresh default install from PyPI alone, then `init` and the first `serve`."""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import IO, Annotated, Any

import typer

from service.bench.machine import describe

ROOT = Path(__file__).resolve().parents[2]
# pip settings that would let an install see anything but PyPI (a local wheel folder, a local index, a cap).
LOCAL_PIP_SETTINGS = ("PIP_FIND_LINKS", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_NO_INDEX", "PIP_CONSTRAINT")
HEAVY_MODULES = ("torch", "transformers", "sentence_transformers")
READY_WORD = "ready:"


def pypi_only_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment with pip's configuration files and local sources switched off: pip sees PyPI only."""
    env = dict(os.environ if base is None else base)
    for name in LOCAL_PIP_SETTINGS:
        env.pop(name, None)
    env["PIP_CONFIG_FILE"] = os.devnull  # pip then reads no configuration file at all
    return env


def _run(cmd: list[str], *, env: dict[str, str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return done


def _children_cpu_s() -> float:
    """CPU seconds used so far by finished child processes: a figure that a busy machine inflates far less."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _size_mb(path: Path) -> float:
    return round(sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink()) / 1e6, 1)


def time_install(python: str, *, project: Path = ROOT, cache_dir: Path | None = None) -> dict[str, Any]:
    """README command 1's install half in a new venv, PyPI only; then check the app imports without torch.

    With no cache_dir, pip gets an empty cache of its own: the figure is what a first-time user waits.
    """
    with tempfile.TemporaryDirectory(prefix="parkmatch-install-") as tmp:
        venv = Path(tmp) / "venv"
        env = pypi_only_env()
        env["PIP_CACHE_DIR"] = str(cache_dir or Path(tmp) / "pip-cache")
        load_before = os.getloadavg()[0]
        cpu_before = _children_cpu_s()
        started = time.perf_counter()
        _run([python, "-m", "venv", "--upgrade-deps", str(venv)], env=env)
        venv_s = time.perf_counter() - started
        _run([str(venv / "bin" / "pip"), "install", "-q", "-e", str(project)], env=env)
        total_s = time.perf_counter() - started
        cpu_s = _children_cpu_s() - cpu_before
        load_after = os.getloadavg()[0]
        probe = (
            "import json, platform, sys, service.main, service.cli; "
            f"print(json.dumps({{'python': platform.python_version(), "
            f"'heavy': [m for m in {HEAVY_MODULES!r} if m in sys.modules]}}))"
        )
        facts = json.loads(_run([str(venv / "bin" / "python"), "-c", probe], env=env, cwd=Path(tmp)).stdout)
        spec = ("import importlib.util, json; "
                f"print(json.dumps([m for m in {HEAVY_MODULES!r} if importlib.util.find_spec(m)]))")
        installed = json.loads(_run([str(venv / "bin" / "python"), "-c", spec], env=env, cwd=Path(tmp)).stdout)
        help_out = _run([str(venv / "bin" / "parkmatch"), "--help"], env=env, cwd=Path(tmp)).stdout
        if facts["heavy"] or installed:
            raise RuntimeError(f"the default install pulled in {installed or facts['heavy']}")
        if "serve" not in help_out:
            raise RuntimeError("parkmatch --help does not list serve")
        return {
            "python": facts["python"],
            "venv_s": round(venv_s, 1),
            "install_s": round(total_s - venv_s, 1),
            "total_s": round(total_s, 1),
            "cpu_s": round(cpu_s, 1),
            "venv_mb": _size_mb(venv),
            "pip_cache": "shared" if cache_dir else "empty",
            "load_average": [round(load_before, 2), round(load_after, 2)],
        }


def _lines(stream: IO[str], out: queue.Queue[str]) -> None:
    for line in stream:
        out.put(line)


def time_serve_to_ready(cmd: list[str], *, env: dict[str, str], cwd: Path, timeout_s: float = 600) -> dict[str, Any]:
    """Start `serve`, wait for its ready line, check the address answers, stop it; seconds from start to ready."""
    import urllib.request

    from service.bench.load import free_port

    port = free_port()
    started = time.perf_counter()
    proc = subprocess.Popen([*cmd, "serve", "--port", str(port)], env=env, cwd=cwd, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdout is not None
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_lines, args=(proc.stdout, lines), daemon=True).start()
    printed: list[str] = []
    try:
        while True:
            left = timeout_s - (time.perf_counter() - started)
            if left <= 0 or proc.poll() is not None and lines.empty():
                raise RuntimeError(f"serve printed no ready line (exit {proc.poll()}): {printed}")
            try:
                line = lines.get(timeout=min(left, 0.5))
            except queue.Empty:
                continue
            printed.append(line.rstrip())
            if READY_WORD in line:
                ready_s = time.perf_counter() - started
                break
        time.sleep(0.2)  # the admin hint, when there is one, follows the ready line
        while not lines.empty():
            printed.append(lines.get().rstrip())
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=10) as response:
            status = response.status
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return {"ready_s": round(ready_s, 1), "health_status": status, "printed": printed}


# The ranking commands a user runs after init, each a new process that loads the saved world and index. The
# first three rank stored records; match reads a prospect's text: one seen before (its vector is in the cache)
# and one new in every run (``{run}`` becomes a fresh word), which loads the encoder's model.
RANKING_COMMANDS = {
    "parkmatch recommend --firm 1 --json": ["recommend", "--firm", "1", "--json"],
    "parkmatch candidates --park 1 --json": ["candidates", "--park", "1", "--json"],
    "parkmatch buyers kiwifruit --json": ["buyers", "kiwifruit", "--json"],
    "parkmatch match --description 灯体铝压铸 --json (a text seen before)":
        ["match", "--description", "古镇灯饰企业，灯体铝压铸", "--json"],
    "parkmatch match --description … --json (a new text each run)":
        ["match", "--description", "古镇灯饰企业，灯体铝压铸，样品编号 {run}", "--json"],
}
COMMAND_RUNS = 5


def time_command(cmd: list[str], *, env: dict[str, str], cwd: Path, runs: int = COMMAND_RUNS) -> dict[str, float]:
    """Wall and CPU seconds of a command from process start to exit: the median of ``runs`` runs (and the fastest
    and slowest), after one untimed run that leaves Python's bytecode cache and the OS file cache as a user's
    second command finds them."""
    def fresh() -> list[str]:
        word = uuid.uuid4().hex[:12]
        return [arg.replace("{run}", word) for arg in cmd]

    _run(fresh(), env=env, cwd=cwd)
    walls, cpus = [], []
    for _ in range(runs):
        args = fresh()
        cpu_before = _children_cpu_s()
        started = time.perf_counter()
        _run(args, env=env, cwd=cwd)
        walls.append(time.perf_counter() - started)
        cpus.append(_children_cpu_s() - cpu_before)
    return {"wall_s": round(statistics.median(walls), 2), "cpu_s": round(statistics.median(cpus), 2),
            "fastest_s": round(min(walls), 2), "slowest_s": round(max(walls), 2), "runs": runs}


def time_startup(python: str = sys.executable, *, extra_env: dict[str, str] | None = None,
                 runs: int = COMMAND_RUNS) -> dict[str, Any]:
    """`init` on a new SQLite database, then the first `serve` to its ready line, then a second one."""
    with tempfile.TemporaryDirectory(prefix="parkmatch-startup-") as tmp:
        work = Path(tmp)
        # A user's Python writes bytecode caches; a sandbox that turns that off would time compiling instead.
        env = {k: v for k, v in os.environ.items() if not k.startswith("PARKMATCH_") and k != "PYTHONDONTWRITEBYTECODE"}
        env["PARKMATCH_DATABASE_URL"] = f"sqlite:///{work / 'parkmatch.db'}"
        env["PARKMATCH_VAR_DIR"] = str(work / "var")
        env.update(extra_env or {})
        cmd = [python, "-m", "service.cli"]
        load_before = os.getloadavg()[0]
        started = time.perf_counter()
        _run([*cmd, "init"], env=env, cwd=work)
        init_s = time.perf_counter() - started
        first = time_serve_to_ready(cmd, env=env, cwd=work)
        second = time_serve_to_ready(cmd, env=env, cwd=work)
        commands = {name: time_command([*cmd, *args], env=env, cwd=work, runs=runs)
                    for name, args in RANKING_COMMANDS.items()}
        return {
            "init_s": round(init_s, 1),
            "first_serve_ready_s": first["ready_s"],
            "second_serve_ready_s": second["ready_s"],
            "commands": commands,
            "ready_line": first["printed"][-1] if first["printed"] else "",
            "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        }


INSTALL_START, INSTALL_END = "<!-- bench:install:start -->", "<!-- bench:install:end -->"
STARTUP_START, STARTUP_END = "<!-- bench:startup:start -->", "<!-- bench:startup:end -->"
HEADING = "## 安装与首次启动 / Install and first start"


def install_markdown(rows: list[dict[str, Any]], machine: dict[str, Any], command: str) -> str:
    lines = [INSTALL_START, "", f"`{command}`: README command 1's install half (`python3 -m venv --upgrade-deps` + "
             "`pip install -q -e .`) in a new venv, pip seeing PyPI only (no configuration file, no local wheels or "
             "index)" + (", each with an empty pip cache" if all(r["pip_cache"] == "empty" for r in rows) else "")
             + f". {machine['cores']} cores ({machine['cpu']}) shared with other work: the load average column says how "
             f"busy they were; CPU s is the install's own CPU time. Run on {machine['date']}.", "",
             "| Python | venv + pip upgrade s | pip install s | total s | CPU s | load average | venv MB | torch |",
             "|---|---:|---:|---:|---:|---|---:|---|"]
    lines += [f"| {r['python']} | {r['venv_s']} | {r['install_s']} | **{r['total_s']}** | {r['cpu_s']} | "
              f"{r['load_average'][0]} → {r['load_average'][1]} | {r['venv_mb']:,.0f} | none |" for r in rows]
    return "\n".join([*lines, "", INSTALL_END])


def startup_markdown(result: dict[str, Any], machine: dict[str, Any]) -> str:
    load = result["load_average"]
    return "\n".join([
        STARTUP_START, "",
        "`parkmatch bench startup`: `parkmatch init` on a new SQLite database, then `parkmatch serve` until it prints "
        f"its ready line (the address answers at that moment), twice. Python {machine['python']}, "
        f"{machine['cores']} cores, shared (load average {load[0]} → {load[1]}); run on {machine['date']}.", "",
        "| step | seconds |", "|---|---:|",
        f"| `parkmatch init` | {result['init_s']} |",
        f"| first `parkmatch serve` → ready | **{result['first_serve_ready_s']}** |",
        f"| second `parkmatch serve` → ready | {result['second_serve_ready_s']} |",
        *(f"| `{name}`: median of {figures.get('runs', 1)} (fastest {figures.get('fastest_s', figures['wall_s'])}, "
          f"slowest {figures.get('slowest_s', figures['wall_s'])}; CPU {figures['cpu_s']} s) | {figures['wall_s']} |"
          for name, figures in result.get("commands", {}).items()),
        "",
        "Each command is a new process after one untimed run (bytecode and file caches as a user's second command "
        "finds them). Each loads the world and index `init` saved: it reads the change log's position with "
        "sqlite3 and no data row, and does not import SQLAlchemy. `match` also segments the prospect's text (from "
        "the stored jieba dictionary) and, for a text not seen before, encodes it with the model's weights mapped "
        "from the vector cache folder.",
        "", STARTUP_END,
    ])


def write_section(md: Path, start: str, end: str, block: str) -> None:
    """Replace the block between start and end in md, or add it under this section's heading."""
    text = md.read_text(encoding="utf-8") if md.exists() else "# Benchmarks\n"
    if start in text and end in text:
        text = text[: text.index(start)] + block + text[text.index(end) + len(end):]
    elif HEADING in text:
        at = text.index(HEADING) + len(HEADING)
        text = f"{text[:at]}\n\n{block}{text[at:]}"
    else:
        text = f"{text.rstrip()}\n\n{HEADING}\n\n{block}\n"
    md.write_text(text, encoding="utf-8")


def _python(name: str) -> str:
    """An interpreter by path, by version under pyenv (`3.12`, `python3.13`), or by name on PATH."""
    if os.sep in name:
        return name
    version = name.removeprefix("python")
    root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    under_pyenv = sorted(root.glob(f"versions/{version}.*/bin/python3")) if version.count(".") == 1 else []
    if under_pyenv:
        return str(under_pyenv[-1])
    found = shutil.which(name)
    # A pyenv shim for a version that is not selected is on PATH but fails when run.
    if found and subprocess.run([found, "--version"], capture_output=True).returncode == 0:
        return found
    raise typer.BadParameter(f"找不到 {name} / {name} not found")


def install_command(
    python: Annotated[list[str] | None, typer.Option("--python", help="解释器，可重复 / Interpreter, repeatable")] = None,
    cache_dir: Annotated[Path | None, typer.Option(help="共享 pip 缓存（默认每次全新）/ Shared pip cache (default: an empty one each time)")] = None,
    docs: Annotated[Path | None, typer.Option(help="写入 benchmarks.md / Write the figures into this benchmarks.md")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON / Print JSON")] = False,
) -> None:
    """全新默认安装耗时（仅 PyPI），并检查无 torch / Time a fresh default install from PyPI alone; check it has no torch."""
    rows = []
    for name in python or [sys.executable]:
        row = time_install(_python(name), cache_dir=cache_dir)
        rows.append(row)
        if not as_json:
            print(f"Python {row['python']}: 安装 install {row['total_s']} s (venv {row['venv_s']} s + pip {row['install_s']} s), "
                  f"{row['venv_mb']:,.0f} MB, 无 torch / no torch", flush=True)
    if as_json:
        print(json.dumps(rows, ensure_ascii=False))
    if docs is not None:
        command = "parkmatch bench install " + " ".join(f"--python {name}" for name in python or [sys.executable])
        write_section(docs, INSTALL_START, INSTALL_END, install_markdown(rows, describe(), command))


def startup_command(
    docs: Annotated[Path | None, typer.Option(help="写入 benchmarks.md / Write the figures into this benchmarks.md")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON / Print JSON")] = False,
    runs: Annotated[int, typer.Option(min=1, max=50, help="每个排序命令计时次数 / Timed runs per ranking command")]
        = COMMAND_RUNS,
) -> None:
    """init 与首次 serve 到就绪的耗时 / Time init and the first serve until it is ready."""
    result = time_startup(runs=runs)
    if as_json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print(f"init {result['init_s']} s; 首次 serve 就绪 first serve ready {result['first_serve_ready_s']} s; "
              f"再次 second {result['second_serve_ready_s']} s; 负载 load {result['load_average']}", flush=True)
        for name, figures in result["commands"].items():
            print(f"{name}: {figures['wall_s']} s median of {figures['runs']} (fastest {figures['fastest_s']}, "
                  f"slowest {figures['slowest_s']}; CPU {figures['cpu_s']} s)", flush=True)
    if docs is not None:
        write_section(docs, STARTUP_START, STARTUP_END, startup_markdown(result, describe()))

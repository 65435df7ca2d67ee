"""Bulk import benchmark: a file of new firms uploaded to a running server, timed until it answers, then
checked to rank at once (the import refreshes the rankings in one batch before answering; new texts rank
provisionally), and timed again until the background encoding has put every firm on its encoded text."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from service.bench.startup import STARTUP_END, write_section

IMPORT_START, IMPORT_END = "<!-- bench:import:start -->", "<!-- bench:import:end -->"
TOWNS = ("guzhen", "xiaolan", "dongfeng", "huangpu", "nantou")
CLASSES = ("C3872", "C3879", "C3360", "C3857", "C3399")


def firms_csv(count: int) -> bytes:
    """``count`` new firms, each with its own name and product words (so each text is new to the encoder)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["name_zh", "town", "industries", "products", "employees", "land_mu", "synthetic"])
    for i in range(count):
        writer.writerow([f"中山市基准导入第{i}号制造有限公司", TOWNS[i % len(TOWNS)], CLASSES[i % len(CLASSES)],
                         f"铝压铸件{i}型;LED灯具{i % 997}系列", 20 + i % 480, 3 + i % 60, "是"])
    return out.getvalue().encode()


def _editor_key(env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, "-m", "service.cli", "keys", "create", "--role", "editor", "--name",
                           "bench-import"], env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def time_import(count: int) -> dict[str, Any]:
    """init a new database, serve it, upload ``count`` firms, time the answer; then rank the last firm."""
    import httpx  # the HTTP client loads for this benchmark only, not with every command

    from service.bench.load import running_server

    with tempfile.TemporaryDirectory(prefix="parkmatch-import-") as tmp:
        work = Path(tmp)
        url = f"sqlite:///{work / 'parkmatch.db'}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("PARKMATCH_")}
        env.update(PARKMATCH_DATABASE_URL=url, PARKMATCH_VAR_DIR=str(work / "var"))
        subprocess.run([sys.executable, "-m", "service.cli", "init"], env=env, cwd=work, check=True,
                       capture_output=True)
        key = _editor_key(env)
        data = firms_csv(count)
        with running_server(url, work / "var") as base:
            headers = {"X-API-Key": key}
            load_before = os.getloadavg()[0]
            started = time.perf_counter()
            response = httpx.post(f"{base}/api/v1/import/firms", files={"file": ("bench.csv", data, "text/csv")},
                                  headers=headers, timeout=600)
            answered_s = time.perf_counter() - started
            if response.status_code != 200:
                raise RuntimeError(f"import failed: {response.status_code} {response.text[:500]}")
            created = response.json()["firm_ids"]
            ranked = httpx.get(f"{base}/api/v1/firms/{created[-1]}/recommendations", headers=headers, timeout=60)
            status = httpx.get(f"{base}/api/v1/ranking/status", headers=headers, timeout=60).json()
            provisional = status["provisional_firms"]
            while status["state"] != "current" and time.perf_counter() - started < 3600:
                time.sleep(1)
                status = httpx.get(f"{base}/api/v1/ranking/status", headers=headers, timeout=60).json()
            encoded_s = time.perf_counter() - started
            final = httpx.get(f"{base}/api/v1/firms/{created[-1]}/recommendations", headers=headers, timeout=60)
            load_after = os.getloadavg()[0]
        shutil.rmtree(work / "var", ignore_errors=True)
    items: list[dict[str, Any]] = ranked.json().get("items", []) if ranked.status_code == 200 else []
    final_items: list[dict[str, Any]] = final.json().get("items", []) if final.status_code == 200 else []
    return {"firms": count, "created": len(created), "megabytes": round(len(data) / 1e6, 1),
            "answered_s": round(answered_s, 1), "last_firm_ranks": bool(items),
            "ranked_provisionally": bool(items) and all(i["provisional"] for i in items),
            "provisional_at_answer": provisional, "all_encoded_s": round(encoded_s, 1),
            "encoded_ranks": bool(final_items) and not any(i["provisional"] for i in final_items),
            "load_average": [round(load_before, 2), round(load_after, 2)]}


def import_markdown(result: dict[str, Any], machine: dict[str, Any]) -> str:
    load = result["load_average"]
    return "\n".join([
        IMPORT_START, "",
        f"`parkmatch bench import --firms {result['firms']}`: a {result['megabytes']} MB CSV of {result['firms']:,} new "
        "firms (each with its own name and products, so every text is new to the encoder) uploaded to "
        "`POST /api/v1/import/firms` of a running `parkmatch serve` on a fresh `init`, timed until it answers; the "
        "last firm is then ranked. "
        f"Python {machine['python']}, {machine['cores']} cores, shared (load average {load[0]} → {load[1]}); run on "
        f"{machine['date']}.", "",
        "| firms | answered s | last firm ranks at once | provisional at the answer | every text encoded s |",
        "|---:|---:|---|---:|---:|",
        f"| {result['created']:,} | **{result['answered_s']}** | "
        f"{'yes' if result['last_firm_ranks'] else 'no'}{' (provisional)' if result['ranked_provisionally'] else ''} | "
        f"{result['provisional_at_answer']:,} | {result['all_encoded_s']} |", "",
        "Provisional: ranked on the firm's industries, town and products while its text is encoded in the "
        "background (`GET /api/v1/ranking/status`); each such item says so (`provisional`, an estimate sentence). "
        f"After the encoding the last firm ranks on its text: {'yes' if result['encoded_ranks'] else 'no'}.",
        "", IMPORT_END,
    ])


def import_command(
    firms: Annotated[int, typer.Option(min=1, max=200_000, help="导入企业数 / Firms in the file")] = 50_000,
    docs: Annotated[Path | None, typer.Option(help="写入 benchmarks.md / Write the figures into this benchmarks.md")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON / Print JSON")] = False,
) -> None:
    """批量导入到运行中的服务，计时到应答，并检查新企业立即可排序 / Time a bulk import into a running server until it
    answers, and check the new firms rank at once."""
    from service.bench.machine import describe

    result = time_import(firms)
    if as_json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        print(f"导入 {result['created']:,} 家企业，{result['answered_s']} s 后应答 / imported {result['created']:,} firms, "
              f"answered after {result['answered_s']} s; 新企业可排序 last firm ranks: {result['last_firm_ranks']} "
              f"(临时 provisional: {result['ranked_provisionally']}, {result['provisional_at_answer']:,} firms); "
              f"全部文本编码完成 every text encoded after {result['all_encoded_s']} s "
              f"(之后按文本排序 then ranks on its text: {result['encoded_ranks']}); "
              f"负载 load {result['load_average']}", flush=True)
    if docs is not None:
        text = docs.read_text(encoding="utf-8") if docs.exists() else "# Benchmarks\n"
        if IMPORT_START not in text and STARTUP_END in text:  # beside the start-up figures
            at = text.index(STARTUP_END) + len(STARTUP_END)
            docs.write_text(f"{text[:at]}\n\n{IMPORT_START}\n{IMPORT_END}{text[at:]}", encoding="utf-8")
        write_section(docs, IMPORT_START, IMPORT_END, import_markdown(result, describe()))

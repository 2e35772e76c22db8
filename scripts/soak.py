#!/usr/bin/env python3
"""make soak: the exporter under everything at once, for SOAK_SECONDS (default 600), on loopback only.

- synthetic evaluations at full rate (the population evaluated as fast as the exporter can);
- mirrored OFREP load from wrk (2 threads, 16 connections, keep-alive);
- 50 concurrent scrapers, each on its own keep-alive connection, one scrape a second;
- a config change every second through POST /-/reload, alternating valid (a new version) and broken (four kinds of
  broken in turn).

Pass criteria, as issue 7 sets them: RSS at the end at most 10% above RSS at the start (measured after a 30 s
warm-up, and also reported at launch); zero failed scrapes; zero evaluation errors from valid input; every broken
config rejected (HTTP 500 from /-/reload, and the version in use unchanged). Prints a Markdown report for
docs/benchmarks.md and exits 1 if any criterion fails.
"""
import http.client
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.join(ROOT, ".build/release/featureflag_exporter")
SECONDS = int(os.environ.get("SOAK_SECONDS", "600"))
WARM_UP = min(30, SECONDS // 10)
SCRAPERS = 50

BROKEN = [
    ("yaml_syntax", lambda text: text + "\nflags: [unclosed\n"),
    ("percentage_out_of_range", lambda text: text.replace("percentage: 25", "percentage: 140", 1)),
    ("unknown_default_variant", lambda text: re.sub(r"default_variant: \"?off\"?", "default_variant: nonexistent", text, count=1)),
    ("condition_syntax", lambda text: text.replace("condition: \"", "condition: \"user_id == (", 1)),
]


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def metric(body, name, labels=""):
    total = 0.0
    for line in body.splitlines():
        if line.startswith(name) and (line[len(name)] in " {") and labels in line:
            total += float(line.rsplit(" ", 1)[1])
    return total


def main():
    work = tempfile.mkdtemp(prefix="ffe-soak-")
    exporter = None
    wrk = None
    try:
        base_text = open(os.path.join(ROOT, "config/feature_flags.yaml")).read()
        # The soak drives every change through /-/reload, so the file watcher is off and every answer is the reload's.
        base_text = base_text.replace("hot_reload_enabled: true", "hot_reload_enabled: false")
        for name, broken in BROKEN:
            if broken(base_text) == base_text:
                sys.exit(f"soak: the '{name}' breakage does not apply to config/feature_flags.yaml")
        flags = os.path.join(work, "feature_flags.yaml")
        with open(flags, "w") as handle:
            handle.write(base_text.replace('version: "1.0.0"', 'version: "soak-0"'))
        settings = os.path.join(work, "exporter.yaml")
        with open(settings, "w") as handle:
            handle.write(open(os.path.join(ROOT, "config/exporter.yaml")).read()
                         .replace("rate: 200", "rate: 10000000")
                         .replace("rate_limit: 20000", "rate_limit: 100000000"))
        log = open(os.path.join(work, "exporter.log"), "w")
        exporter = subprocess.Popen(
            [BINARY, "serve", "--config.file", flags, "--exporter.config-file", settings, "--environment", "production",
             "--web.listen-address", "127.0.0.1:0", "--web.enable-lifecycle", "--refresh.mode", "none"],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        port = None
        for _ in range(200):
            text = open(log.name).read()
            found = re.search(r"msg=listening address=127\.0\.0\.1:(\d+)", text)
            if found:
                port = int(found.group(1))
                break
            time.sleep(0.05)
        if port is None:
            sys.exit("soak: the exporter did not start:\n" + open(log.name).read())
        rss_launch = rss_bytes(exporter.pid)

        lua = os.path.join(work, "post.lua")
        with open(lua, "w") as handle:
            handle.write('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
                         'wrk.body = \'{"context":{"targetingKey":"user-4711","user_type":"developer",'
                         '"environment":"production","custom_attributes":{"plan":"pro"}}}\'\n')
        wrk_out = open(os.path.join(work, "wrk.txt"), "w")
        wrk = subprocess.Popen(
            ["wrk", "-t2", "-c16", f"-d{SECONDS}s", "-s", lua,
             f"http://127.0.0.1:{port}/ofrep/v1/evaluate/flags/phase2_health_checks"],
            stdout=wrk_out, stderr=subprocess.STDOUT)

        stop = threading.Event()
        scrape_counts = [0] * SCRAPERS
        scrape_failures = []

        def scraper(index):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            while not stop.is_set():
                started = time.monotonic()
                try:
                    connection.request("GET", "/metrics")
                    response = connection.getresponse()
                    body = response.read()
                    if response.status != 200 or b"feature_flag_exporter_build_info" not in body:
                        scrape_failures.append(f"scraper {index}: HTTP {response.status}")
                    scrape_counts[index] += 1
                except Exception as error:  # a failed scrape is a finding, not a crash of the soak
                    scrape_failures.append(f"scraper {index}: {error!r}")
                    connection.close()
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                stop.wait(max(0.0, 1.0 - (time.monotonic() - started)))
            connection.close()

        threads = [threading.Thread(target=scraper, args=(index,), daemon=True) for index in range(SCRAPERS)]
        for thread in threads:
            thread.start()

        changes = {"valid": 0, "broken": 0, "broken_rejected": 0, "valid_applied": 0}
        problems = []
        current_version = "soak-0"
        rss_start = None
        started = time.monotonic()
        step = 0
        control = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

        def request(method, path):
            """One request on the control connection; a dropped keep-alive connection is reopened once."""
            nonlocal control
            for attempt in range(2):
                try:
                    control.request(method, path)
                    response = control.getresponse()
                    return response.status, response.read().decode()
                except Exception:
                    control.close()
                    control = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                    if attempt == 1:
                        raise

        while time.monotonic() - started < SECONDS:
            tick = time.monotonic()
            if rss_start is None and tick - started >= WARM_UP:
                rss_start = rss_bytes(exporter.pid)
            step += 1
            if step % 2 == 1:
                version = f"soak-{step}"
                with open(flags + ".tmp", "w") as handle:
                    handle.write(base_text.replace('version: "1.0.0"', f'version: "{version}"'))
                os.replace(flags + ".tmp", flags)
                status, body = request("POST", "/-/reload")
                changes["valid"] += 1
                if status == 200 and version in body:
                    changes["valid_applied"] += 1
                    current_version = version
                else:
                    problems.append(f"valid config {version}: HTTP {status} {body.strip()[:200]}")
            else:
                name, breaker = BROKEN[(step // 2) % len(BROKEN)]
                with open(flags + ".tmp", "w") as handle:
                    handle.write(breaker(base_text.replace('version: "1.0.0"', f'version: "broken-{step}"')))
                os.replace(flags + ".tmp", flags)
                status, body = request("POST", "/-/reload")
                changes["broken"] += 1
                _, health = request("GET", "/health")
                if status == 500 and f'"{current_version}"' in health:
                    changes["broken_rejected"] += 1
                else:
                    problems.append(f"broken config ({name}) step {step}: HTTP {status}, health {health[:200]}")
            time.sleep(max(0.0, 1.0 - (time.monotonic() - tick)))

        stop.set()
        for thread in threads:
            thread.join(timeout=15)
        wrk.wait(timeout=60)
        rss_end = rss_bytes(exporter.pid)
        _, final = request("GET", "/metrics")
        control.close()

        wrk_text = open(wrk_out.name).read()
        requests_per_second = re.search(r"Requests/sec:\s+([\d.]+)", wrk_text)
        non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", wrk_text)
        socket_errors = re.search(r"Socket errors:(.*)", wrk_text)
        evaluation_errors = metric(final, "feature_flag_errors_total")
        synthetic = metric(final, "feature_flag_evaluations_total", 'source="synthetic"')
        mirrored = metric(final, "feature_flag_evaluations_total", 'source="mirror"')
        reload_failures = metric(final, "feature_flag_config_reloads_total", 'status="failure"')
        refused = metric(final, "feature_flag_exporter_http_refused_total")
        growth = (rss_end - rss_start) / rss_start if rss_start else float("nan")

        verdicts = {
            "RSS growth <= 10% (after warm-up to end)": growth <= 0.10,
            "zero failed scrapes": not scrape_failures,
            "zero evaluation errors": evaluation_errors == 0,
            "every broken config rejected, version kept": changes["broken_rejected"] == changes["broken"] > 0,
            "every valid config applied": changes["valid_applied"] == changes["valid"] > 0,
            "wrk: no non-2xx, no socket errors": non_2xx is None and socket_errors is None,
            "the exporter is still running": exporter.poll() is None,
        }
        mib = 1024 * 1024
        print(f"## Soak: {SECONDS} s, {time.strftime('%Y-%m-%d')}")
        print()
        print("| measure | value |")
        print("|---|---|")
        print(f"| RSS at launch / after {WARM_UP} s warm-up / at end | {rss_launch / mib:.1f} / "
              f"{(rss_start or 0) / mib:.1f} / {rss_end / mib:.1f} MiB |")
        print(f"| RSS growth, warm-up to end | {growth * 100:+.1f}% |")
        print(f"| scrapes (50 scrapers, 1/s each) | {sum(scrape_counts)}, failed {len(scrape_failures)} |")
        print(f"| synthetic evaluations | {synthetic:.0f} ({synthetic / SECONDS:.0f}/s) |")
        print(f"| mirrored OFREP evaluations (wrk) | {mirrored:.0f}, "
              f"{requests_per_second.group(1) if requests_per_second else '?'} req/s |")
        print(f"| config changes (valid applied / broken rejected) | {changes['valid_applied']}/{changes['valid']}, "
              f"{changes['broken_rejected']}/{changes['broken']} (reload failures counted: {reload_failures:.0f}) |")
        print(f"| evaluation errors | {evaluation_errors:.0f} |")
        print(f"| HTTP refusals | {refused:.0f} |")
        print()
        for verdict, passed in verdicts.items():
            print(f"- {'PASS' if passed else 'FAIL'}: {verdict}")
        for problem in (problems + scrape_failures)[:20]:
            print(f"  - {problem}")
        return 0 if all(verdicts.values()) else 1
    finally:
        if wrk and wrk.poll() is None:
            wrk.kill()
        if exporter and exporter.poll() is None:
            exporter.terminate()
            exporter.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Benchmark `propagation`: from a Redis PUBLISH to the new config being served, over 100 changes.

Starts redis-server and the exporter (release build) on 127.0.0.1 and free ports, then 100 times: writes a new
version of the flags file, PUBLISHes on the refresh channel, and polls /health over one keep-alive connection until
the new version is served. Prints p50, p99 and max in milliseconds. Loopback only; stops what it starts.
"""
import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

CHANGES = int(os.environ.get("PROPAGATION_CHANGES", "100"))
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".build/release/featureflag_exporter")
CHANNEL = "feature_flags:config-changed"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, process, what):
    deadline = time.time() + 30
    while time.time() < deadline:
        if process.poll() is not None:
            sys.exit(f"{what} exited early")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"{what} did not listen on {port}")


def flags(version):
    """The shipped config under another version, not watched (so only the PUBLISH triggers the check)."""
    with open(os.path.join(ROOT, "config/feature_flags.yaml")) as f:
        lines = f.read().splitlines()
    lines = [f'version: "{version}"' if l.startswith("version:") else l for l in lines]
    return "\n".join(lines).replace("hot_reload_enabled: true", "hot_reload_enabled: false") + "\n"


def write_atomically(path, text):
    temporary = path + ".tmp"
    with open(temporary, "w") as f:
        f.write(text)
    os.rename(temporary, path)


def publish(sock):
    command = f"*3\r\n$7\r\nPUBLISH\r\n${len(CHANNEL)}\r\n{CHANNEL}\r\n$1\r\nx\r\n".encode()
    sock.sendall(command)
    reply = sock.recv(64)
    if not reply.startswith(b":"):
        sys.exit(f"PUBLISH failed: {reply!r}")


def main():
    directory = tempfile.mkdtemp(prefix="ffe-propagation-")
    flags_file = os.path.join(directory, "flags.yaml")
    write_atomically(flags_file, flags("p0"))
    redis_port, exporter_port = free_port(), free_port()
    redis = subprocess.Popen(
        ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    exporter = None
    try:
        wait_for_port(redis_port, redis, "redis-server")
        environment = dict(os.environ, REDIS_URL=f"redis://127.0.0.1:{redis_port}")
        exporter = subprocess.Popen(
            [BINARY, "serve", "--config.file", flags_file, "--environment", "production", "--refresh.mode", "pubsub",
             "--no-synthetic", "--web.listen-address", f"127.0.0.1:{exporter_port}", "--log.level", "warn"],
            env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
        wait_for_port(exporter_port, exporter, "featureflag_exporter")
        connection = http.client.HTTPConnection("127.0.0.1", exporter_port, timeout=5)

        def served_version():
            connection.request("GET", "/health")
            body = connection.getresponse().read().decode()
            return body.split('"version":"', 1)[1].split('"', 1)[0] if '"version":"' in body else None

        # Wait for the subscription before the first change.
        deadline = time.time() + 10
        while time.time() < deadline:
            connection.request("GET", "/metrics")
            if "feature_flag_pubsub_connected 1" in connection.getresponse().read().decode():
                break
            time.sleep(0.05)
        publisher = socket.create_connection(("127.0.0.1", redis_port))
        samples = []
        for change in range(1, CHANGES + 1):
            version = f"p{change}"
            write_atomically(flags_file, flags(version))
            started = time.perf_counter()
            publish(publisher)
            while served_version() != version:
                if time.perf_counter() - started > 5:
                    sys.exit(f"change {change} not served after 5 s")
            samples.append((time.perf_counter() - started) * 1000)
        samples.sort()
        p50 = samples[len(samples) // 2]
        p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
        print(f"workload=propagation changes={len(samples)} p50_ms={p50:.2f} p99_ms={p99:.2f} max_ms={samples[-1]:.2f}")
    finally:
        for process in (exporter, redis):
            if process and process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    process.kill()


if __name__ == "__main__":
    main()

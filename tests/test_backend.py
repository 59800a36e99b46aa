"""Where measuring runs: flags checked together, a TLS-secured dask cluster that admits only
clients holding a certificate of its CA (a self-signed certificate made here), and clusters
started outside the project, or without workers, that would make the client wait forever."""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import main_data
from infonet.cli.command import run_cli
from infonet.measuring import backend
from infonet.measuring.backend import Tls, check_backend, execution

ROOT = Path(__file__).parents[1]

SMALL = ["--shape", "4,3", "--epochs", "3", "--jobs", "1", "--no-plot"]


def _self_signed(folder):
    """(certificate, key) PEM files of a self-signed certificate for 127.0.0.1."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl program is needed to make a test certificate")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key


@pytest.fixture(scope="module")
def tls_cluster(tmp_path_factory):
    """An in-process dask cluster speaking only TLS; yields (address, cert, key)."""
    distributed = pytest.importorskip("distributed")
    from distributed.security import Security

    cert, key = _self_signed(tmp_path_factory.mktemp("tls"))
    security = Security(tls_ca_file=str(cert), tls_scheduler_cert=str(cert),
                        tls_scheduler_key=str(key), tls_worker_cert=str(cert),
                        tls_worker_key=str(key), tls_client_cert=str(cert),
                        tls_client_key=str(key), require_encryption=True)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  protocol="tls://", host="127.0.0.1", security=security,
                                  dashboard_address=None) as cluster:
        yield cluster.scheduler_address, cert, key


def test_a_tls_cluster_measures_what_local_processes_measure(tls_cluster, tmp_path, capsys):
    address, cert, key = tls_cluster
    assert address.startswith("tls://")
    assert run_cli(main_data.main, [*SMALL, "--out", str(tmp_path / "local")]) == 0
    shutil.copytree(tmp_path / "local", tmp_path / "remote")
    (tmp_path / "remote" / "information.csv").unlink()
    status = run_cli(main_data.main, ["--from-run", str(tmp_path / "remote"), "--no-plot",
                                      "--backend", "dask", "--scheduler-address", address,
                                      "--tls-ca-file", str(cert), "--tls-cert", str(cert),
                                      "--tls-key", str(key)])
    assert status == 0, capsys.readouterr().err
    assert (tmp_path / "remote" / "information.csv").read_bytes() == \
        (tmp_path / "local" / "information.csv").read_bytes()


def test_a_client_without_a_certificate_is_refused_by_a_tls_cluster(tls_cluster):
    address, _, _ = tls_cluster
    with pytest.raises(ValueError, match="cannot reach the dask scheduler"), \
            execution("dask", address):
        pass


def test_a_certificate_the_cluster_did_not_sign_is_refused(tls_cluster, tmp_path):
    address, _, _ = tls_cluster
    cert, key = _self_signed(tmp_path)
    with pytest.raises(ValueError, match="cannot reach the dask scheduler"), \
            execution("dask", address, Tls(cert, cert, key)):
        pass


@pytest.mark.parametrize(("backend", "address", "tls", "message"), [
    ("local", "tcp://h:1", Tls(), "need --backend dask"),
    ("dask", None, Tls(), "needs --scheduler-address"),
    ("dask", "tcp://h:1", Tls("ca.pem", "c.pem"), "need a tls:// scheduler address"),
    ("local", None, Tls(ca_file="ca.pem"), "need --backend dask"),
])
def test_backend_flags_that_disagree_are_refused(backend, address, tls, message):
    with pytest.raises(ValueError, match=message):
        check_backend(backend, address, tls)


def test_missing_certificate_files_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="ca.pem"):
        Tls(tmp_path / "ca.pem", tmp_path / "c.pem").security()


def test_tls_needs_the_ca_and_the_certificate():
    with pytest.raises(ValueError, match="--tls-ca-file and --tls-cert"):
        Tls(cert="c.pem").security()


@pytest.fixture
def outside_cluster(tmp_path):
    """``python -m dask scheduler`` and ``python -m dask worker --nworkers 2`` started as the
    README says, in a folder outside the project and without PYTHONPATH, so that none of
    their processes can import it; yields the scheduler's address."""
    pytest.importorskip("distributed")
    from distributed import Client

    folder = tmp_path / "elsewhere"
    folder.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    file = folder / "scheduler.json"
    started = []
    try:
        started.append(subprocess.Popen(
            [sys.executable, "-m", "dask", "scheduler", "--scheduler-file", str(file),
             "--host", "127.0.0.1", "--port", "0", "--no-dashboard"], cwd=folder, env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        started.append(subprocess.Popen(
            [sys.executable, "-m", "dask", "worker", "--scheduler-file", str(file),
             "--nworkers", "2", "--nthreads", "1", "--no-dashboard"], cwd=folder, env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        deadline = time.monotonic() + 60
        while not file.is_file() and time.monotonic() < deadline:
            time.sleep(0.2)
        address = json.loads(file.read_text())["address"]
        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
        yield address
    finally:
        for process in reversed(started):
            process.terminate()
            process.wait(timeout=30)


def test_a_cluster_started_outside_the_project_measures_what_local_processes_measure(
        outside_cluster, tmp_path):
    assert run_cli(main_data.main, [*SMALL, "--out", str(tmp_path / "local")]) == 0
    shutil.copytree(tmp_path / "local", tmp_path / "remote")
    (tmp_path / "remote" / "information.csv").unlink()
    done = subprocess.run([sys.executable, "main_data.py", "--from-run", str(tmp_path / "remote"),
                           "--no-plot", "--backend", "dask", "--scheduler-address",
                           outside_cluster], cwd=ROOT, capture_output=True, text=True,
                          timeout=90)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "remote" / "information.csv").read_bytes() == \
        (tmp_path / "local" / "information.csv").read_bytes()


def test_a_scheduler_without_workers_is_an_error_within_seconds(monkeypatch):
    distributed = pytest.importorskip("distributed")
    monkeypatch.setattr(backend, "WORKER_WAIT", 1)
    with distributed.LocalCluster(n_workers=0, processes=False, dashboard_address=None) as cluster:
        started = time.monotonic()
        with pytest.raises(ValueError, match="has no workers"), \
                execution("dask", cluster.scheduler_address):
            pass
        assert time.monotonic() - started < 10

"""The control socket under abuse: garbage, oversized lines, unknown ops, idle and slow
clients. The daemon answers errors, closes those connections, and keeps serving others."""

from __future__ import annotations

import json
import socket
import stat

from breather_harness import ControlClient, file_mode, plan_toml, webhook, write_config, write_plan


def start(xdg, server, daemon):
    write_config(xdg, {"alex": webhook(server, "/alex")})
    write_plan(xdg, "cool-down", plan_toml("30s", announce=(["alex"], "{me} is taking a breather.")))
    daemon.start()


def assert_error_answer(answer: dict, code: str = "bad_request") -> None:
    assert answer.get("v") == 1, answer
    assert answer.get("ok") is False, answer
    error = answer.get("error")
    assert isinstance(error, dict), answer
    assert error.get("code") == code, answer
    assert isinstance(error.get("message"), str) and error["message"], answer


def test_socket_file_and_folder_modes(xdg, server, daemon):
    start(xdg, server, daemon)
    kind, mode = file_mode(xdg.socket_path)
    assert kind == stat.S_IFSOCK, f"{xdg.socket_path} is not a socket"
    assert mode == 0o600, f"control.sock has mode {mode:o}, not 600"
    kind, mode = file_mode(xdg.socket_dir)
    assert kind == stat.S_IFDIR and mode == 0o700, f"{xdg.socket_dir} has mode {mode:o}, not 700"


def test_ping_and_status_on_the_raw_socket(xdg, server, daemon):
    start(xdg, server, daemon)
    client = ControlClient(xdg.socket_path)
    try:
        answer = client.request({"v": 1, "op": "ping"})
        assert answer.get("v") == 1 and answer.get("ok") is True, answer
    finally:
        client.close()
    client = ControlClient(xdg.socket_path)
    try:
        answer = client.request({"v": 1, "op": "status"})
        assert answer.get("ok") is True and isinstance(answer.get("message"), str), answer
        assert answer["status"]["active"] is False and answer["status"]["retrying"] == [], answer
    finally:
        client.close()


def test_garbage_line_gets_an_error_and_the_connection_closes(xdg, server, daemon):
    start(xdg, server, daemon)
    client = ControlClient(xdg.socket_path)
    try:
        client.send(b"this is not json {\n")
        assert_error_answer(client.read_json())
        assert client.closed_by_peer(5), "the daemon kept the connection open after a malformed line"
    finally:
        client.close()
    assert daemon.running


def test_unknown_op_gets_an_error(xdg, server, daemon):
    start(xdg, server, daemon)
    client = ControlClient(xdg.socket_path)
    try:
        client.send(b'{"v":1,"op":"dance"}\n')
        assert_error_answer(client.read_json())
        assert client.closed_by_peer(5), "the daemon kept the connection open after an unknown op"
    finally:
        client.close()
    assert daemon.running


def test_oversized_line_gets_an_error_or_a_close(xdg, server, daemon):
    start(xdg, server, daemon)
    client = ControlClient(xdg.socket_path)
    try:
        payload = b'{"v":1,"op":"status","pad":"' + b"x" * (70 * 1024)  # > 64 KiB, no newline
        try:
            client.send(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # it stopped reading and closed: allowed
        line = None
        try:
            line = client.read_line(5)
        except (ConnectionResetError, BrokenPipeError):
            pass
        if line:
            assert_error_answer(json.loads(line))
            assert client.closed_by_peer(5), "the daemon kept the connection open after an oversized line"
    finally:
        client.close()
    assert daemon.running


def test_idle_and_slow_clients_block_no_one(xdg, server, cli, daemon):
    start(xdg, server, daemon)
    idle = ControlClient(xdg.socket_path)
    slow = ControlClient(xdg.socket_path)
    try:
        slow.send(b'{"v":1,"op":"sta')  # half a line, and then nothing
        result = cli("status", timeout=10)
        assert result.returncode == 0, str(result)
        again = cli("status", "--json", timeout=10).json()
        assert again["active"] is False, again
        # A break can still be started and seen while they hang on.
        assert cli("start", "cool-down", timeout=10).returncode == 0
        server.take_event("/alex", "announce", timeout=10)
        assert cli("status", "--json", timeout=10).json()["active"] is True
        # The slow client may finish its line late and still be answered.
        slow.send(b'tus"}\n')
        answer = slow.read_json(5)
        assert answer.get("ok") is True and answer["status"]["active"] is True, answer
    finally:
        idle.close()
        slow.close()
    assert daemon.running, "breatherd died"
    probe = ControlClient(xdg.socket_path)
    try:
        assert probe.request({"v": 1, "op": "ping"}).get("ok") is True
    finally:
        probe.close()


def test_daemon_survives_all_of_it_in_a_row(xdg, server, cli, daemon):
    start(xdg, server, daemon)
    for data in (b"[]\n", b'{"v":1}\n', b'{"v":1,"op":42}\n', b'{"v":1,"op":"status"\n', b"\xff\xfe\n"):
        client = ControlClient(xdg.socket_path)
        try:
            client.send(data)
            line = client.read_line(5)
            if line is not None:
                answer = json.loads(line)
                assert answer.get("ok") is False, (data, answer)
        except (ConnectionResetError, BrokenPipeError):
            pass
        finally:
            client.close()
    # A client that connects and vanishes mid-request.
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(str(xdg.socket_path))
    sock.sendall(b'{"v":1,"op":"st')
    sock.close()
    assert daemon.running, "breatherd died"
    assert cli("status", timeout=10).returncode == 0

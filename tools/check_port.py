"""Before `make run`: say in Chinese, and exit 1, when the address to serve on cannot be taken (port busy).

Usage: python tools/check_port.py HOST PORT   (standard library only: it runs before the venv exists)
"""
import errno
import socket
import sys


def problem(host: str, port_text: str) -> str | None:
    """The Chinese message explaining why HOST:PORT cannot be served on, or None when it is free."""
    try:
        port = int(port_text)
    except ValueError:
        return f"端口应为 1–65535 的整数，现在是“{port_text}”，例如 make run PORT=5001。"
    if not 1 <= port <= 65535:
        return f"端口应为 1–65535 的整数，现在是 {port}，例如 make run PORT=5001。"
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return f"无法识别地址 {host}：本机访问用 HOST=127.0.0.1，在局域网中让手机访问用 HOST=0.0.0.0。"
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        # As the server will: SO_REUSEADDR lets a port in TIME_WAIT be reused, not one still listening.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                lan = "" if host in ("0.0.0.0", "::") else "；在局域网中让手机访问用 HOST=0.0.0.0"
                return f"端口 {port} 已被占用，可用 make run PORT={port + 1 if port < 65535 else 5001} 换一个端口{lan}"
            if exc.errno == errno.EACCES:
                return f"没有权限使用端口 {port}（1024 以下的端口需要管理员权限），可用 make run PORT=5000 换一个端口。"
            if exc.errno == errno.EADDRNOTAVAIL:
                return (f"本机没有地址 {host}：本机访问用 HOST=127.0.0.1，"
                        "在局域网中让手机访问用 HOST=0.0.0.0。")
            return f"无法在 {host}:{port} 上提供服务（{exc.strerror}），可用 PORT= 和 HOST= 换一个端口或地址。"
    return None


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("用法：python tools/check_port.py 地址 端口", file=sys.stderr)
        return 2
    message = problem(argv[1], argv[2])
    if message:
        print(message, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

"""Chinese error pages (and JSON errors for API clients)."""
from flask import jsonify, render_template, request
from flask_wtf.csrf import CSRFError

MESSAGES = {
    400: ("请求无效", "提交的内容不完整或格式不正确，请返回重试。"),
    403: ("无权访问", "您的账号没有访问此页面的权限。如需办理，请联系组织者。"),
    404: ("页面不存在", "您要找的页面不存在或已被移除，请检查网址或返回首页。"),
    405: ("操作不允许", "不支持这种访问方式。"),
    413: ("文件过大", "上传的文件超过大小限制（16 MB）。"),
    429: ("操作过于频繁", "请求过于频繁，请稍后再试。"),
    500: ("系统错误", "服务器出现了意外错误，已记录。请稍后重试；如仍有问题，请联系管理员。"),
}


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def render_error(code: int, detail: str | None = None):
    title, message = MESSAGES.get(code, ("出错了", "请求未能完成。"))
    if detail:
        message = detail
    if _wants_json():
        return jsonify({"error": message, "status": code}), code
    return render_template("errors/error.html", code=code, title=title, message=message), code


def register_error_handlers(app) -> None:
    for code in MESSAGES:
        app.register_error_handler(code, lambda exc, code=code: render_error(
            code, getattr(exc, "description", None) if code == 429 else None))

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return render_error(400, "页面已过期或表单校验失败（CSRF），请刷新页面后重新提交。")

from http import HTTPStatus

exec_time_ms = 12.5
system_load = 0.7
socket_count = 4
password_min_length = 12

def request_handler(status=HTTPStatus.OK):
    return {"status": int(status), "exec_time_ms": exec_time_ms}

print(request_handler(), system_load, socket_count, password_min_length)

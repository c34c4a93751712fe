#!/usr/bin/env python3
"""The baseline of `make bench`'s agent_http step: ZStack's agent HTTP server as zstacklib builds it.

The smallest faithful subset of zstack-utility's zstacklib/zstacklib/utils/http.py (HttpServer, SyncUriHandler,
AsyncUirHandler, json_post), thread.py (AsyncThread), log.py (LogConfig) and the KVM agent's host_plugin.py
handlers of the two paths the bench drives: sync `/host/echo` and async `/host/ping`, each wrapped in
kvmagent.replyerror. Ported to Python 3 (zstack runs it on Python 2 with CherryPy 3.2.4 and Routes 2.1, which
do not install on 3.11), otherwise unchanged: CherryPy with a RoutesDispatcher mapping each URI with and
without a trailing slash, thread_pool 10 (POOLSIZE), socket_timeout 15, no body size limit, multipart
processing off; an async command acknowledged at once with an empty 200, then run
on a thread of its own that POSTs the reply to `callbackurl` through a fresh urllib3 PoolManager with
`Connection: close`, retried for 60 s.

The real agent registers ~570 URIs in the same dispatcher, which matches them in order; this one registers
two, its best case. `--log-file` logs as kdaemon.py configures it (DEBUG, ZStack's format, a rotating file).

    zstack_http.py --host 127.0.0.1 --port 7070 [--log-file /var/log/zstack/zstack-kvmagent.log]
"""
import argparse
import copy
import json
import logging
import logging.handlers
import os
import threading
import time
import traceback

import cherrypy
import urllib3

TASK_UUID = 'taskuuid'
ERROR_CODE = 'error'
REQUEST_HEADER = 'header'
REQUEST_BODY = 'body'
CALLBACK_URI = 'callbackurl'
LOG_FORMAT = '%(asctime)s %(thread)d %(levelname)s [%(name)s] %(message)s'

logger = logging.getLogger('zstacklib.utils.http')


def configure_log(path):
    """log.LogConfig.get_logger: DEBUG into a 30 MiB x 30 rotating file; without a file nothing is logged."""
    if not path:
        logger.disabled = True
        return
    logger.setLevel(logging.DEBUG)
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=30 * 1024 * 1024, backupCount=30)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.setLevel(logging.DEBUG)
    logger.addHandler(handler)


def async_thread(func):
    """thread.AsyncThread: every call runs on a new thread."""
    def run(*args, **kwargs):
        def safe_run():
            try:
                func(*args, **kwargs)
            except Exception as e:
                logger.warning('%s\n%s' % (e, traceback.format_exc()))
        t = threading.Thread(target=safe_run, name=func.__name__)
        t.start()
        return t
    return run


def wait_callback_success(callback, timeout=60, interval=1):
    """linux.wait_callback_success with ignore_exception_in_callback=True."""
    deadline = time.time() + timeout
    while time.time() <= deadline:
        try:
            if callback():
                return True
        except Exception:
            pass
        time.sleep(interval)
    return False


def json_post(uri, body, headers):
    """http.json_post: a new PoolManager per post, `Connection: close`, the status not checked."""
    def post():
        try:
            pool = urllib3.PoolManager(timeout=120.0, retries=urllib3.util.retry.Retry(15))
            header = {'Content-Type': 'application/json', 'Connection': 'close'}
            header.update(headers)
            header['Content-Length'] = str(len(body))
            resp = pool.urlopen('POST', uri, headers=header, body=body)
            resp.data
            resp.close()
            pool.clear()
            return True
        except Exception:
            logger.warning('[WARN]: %s' % traceback.format_exc())
            return False

    if not wait_callback_success(post):
        raise Exception('unable to post to %s, body: %s, see before error' % (uri, body))


class Request(object):
    def __init__(self, creq):
        self.headers = copy.copy(creq.headers)
        self.body = creq.body.fp.read() if creq.body else None
        self.method = copy.copy(creq.method)


class SyncUriHandler(object):
    def __init__(self, uri, func):
        self.uri = uri
        self.func = func

    def _check_response(self, rsp):
        if rsp is not None and not isinstance(rsp, str):
            raise Exception('Response body must be string')

    def _do_index(self, req):
        task_uuid = cherrypy.request.headers.get(TASK_UUID)
        if task_uuid:
            err = '[ERROR]: find async task uuid[%s] in header, did you wrongly register sync uri for async call???' % task_uuid
            logger.debug(err)
            raise Exception(err)
        return self.func({REQUEST_HEADER: req.headers, REQUEST_BODY: req.body if req.body else None})

    @cherrypy.expose
    def index(self):
        req = Request(cherrypy.request)
        logger.debug('sync http call: %s' % req.body)
        rsp = self._do_index(req)
        self._check_response(rsp)
        logger.debug('sync http reply to %s: "%s"' % (cherrypy.url(), rsp))
        return rsp


class AsyncUirHandler(SyncUriHandler):
    HANDLER_DICT = {}
    HANDLER_DICT_LOCK = threading.Lock()
    STOP_WORLD = False

    @async_thread
    def _run_index(self, task_uuid, request):
        callback_uri = request.headers.get(CALLBACK_URI)
        if not callback_uri:
            raise Exception('Unable to find callback uri either in headers of request or in registered uri object')
        with self.HANDLER_DICT_LOCK:
            if task_uuid in self.HANDLER_DICT:
                logger.info('ignored duplicated task: {}'.format(task_uuid))
                return
            self.HANDLER_DICT[task_uuid] = callback_uri

        headers = {TASK_UUID: task_uuid}
        try:
            content = self.func({REQUEST_HEADER: request.headers, REQUEST_BODY: request.body})
            self._check_response(content)
        except Exception:
            content = traceback.format_exc()
            logger.warning('[WARN]: %s]' % content)
            headers[ERROR_CODE] = content

        try:
            logger.debug('async http call handler finished[task uuid: %s] to %s: %s' % (task_uuid, callback_uri, content))
            json_post(callback_uri, content, headers)
            logger.debug('async http reply[task uuid: %s]' % task_uuid)
        finally:
            with self.HANDLER_DICT_LOCK:
                self.HANDLER_DICT.pop(task_uuid, None)

    @cherrypy.expose
    def index(self):
        if self.STOP_WORLD:
            raise cherrypy.HTTPError(400, 'kvmagent is stopping')
        if TASK_UUID not in cherrypy.request.headers:
            err = 'taskUuid missing in request header'
            logger.warning(err)
            raise cherrypy.HTTPError(400, err)
        task_uuid = cherrypy.request.headers[TASK_UUID]
        req = Request(cherrypy.request)
        logger.debug('async http call[task uuid: %s], body: %s' % (task_uuid, req.body))
        self._run_index(task_uuid, req)


def replyerror(func):
    """kvmagent.replyerror: an exception becomes {"success": false, "error": ...}."""
    def wrap(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except Exception as e:
            logger.warning('%s\n%s' % (e, traceback.format_exc()))
            return json.dumps({'success': False, 'error': str(e)}, ensure_ascii=True)
    return wrap


@replyerror
def echo(req):
    """host_plugin.echo: waits while the agent is "fake dead", else an empty reply."""
    logger.debug('get echoed')
    loop = 0
    while os.path.exists('/tmp/fakedead-kvmagent') and loop < 1200:
        time.sleep(3)
        loop += 1
    return ''


class HostState(object):
    """What host_plugin's ping reads: the MN's identity (none before a connect) and the version files."""
    host_uuid = None
    send_command_url = None
    version = None
    version_path = '/var/lib/zstack/kvmagent_version'
    take_over_flag_path = '/var/run/zstack/takeOver'


@replyerror
def ping(req):
    """host_plugin.ping: the PingResponse, jsonobject.dumps'd (ensure_ascii, nulls kept)."""
    rsp = {'success': True, 'error': None, 'hostUuid': HostState.host_uuid,
           'sendCommandUrl': HostState.send_command_url, 'version': HostState.version}
    if rsp['version'] is None and os.path.exists(HostState.version_path):
        with open(HostState.version_path) as f:
            rsp['version'] = f.read().strip()
    if os.path.exists(HostState.take_over_flag_path):
        os.utime(HostState.take_over_flag_path)
    return json.dumps(rsp, ensure_ascii=True)


def tool_disable_multipart_preprocessing():
    cherrypy.request.body.processors.pop('multipart', None)
    cherrypy.request.body.processors.pop('multipart/form-data', None)


def serve(host, port, handlers):
    """HttpServer._build and start."""
    mapper = cherrypy.dispatch.RoutesDispatcher()
    for handler in handlers:
        for uri in (handler.uri, handler.uri.rstrip('/') if handler.uri.endswith('/') else handler.uri + '/'):
            mapper.connect(name=uri, route=uri, controller=handler, action='index')
    cherrypy.engine.autoreload.unsubscribe()
    cherrypy.tools.disable_multipart = cherrypy.Tool('on_start_resource', tool_disable_multipart_preprocessing)
    cherrypy.config.update({
        'server.socket_host': host,
        'server.socket_port': port,
        'server.thread_pool': int(os.getenv('POOLSIZE', '10')),
        'server.socket_timeout': 15,
        'server.max_request_body_size': 0,
        'tools.disable_multipart.on': True,
        # 'engine.timeout_monitor.on': False: CherryPy 12 removed the monitor, so it is off already.
    })
    cherrypy.log.error_log.propagate = 0
    app = cherrypy.tree.mount(root=None, config={'/': {'request.dispatch': mapper}})
    cherrypy.log.error_file = ''
    cherrypy.log.access_file = ''
    cherrypy.log.screen = False
    app.log.error_file = ''
    app.log.access_file = ''
    app.log.screen = False
    app.log.access_log = logger
    app.log.error_log = logger
    cherrypy.quickstart(app)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--host', default='0.0.0.0')
    parser.add_argument('--port', type=int, default=7070)
    parser.add_argument('--log-file')
    args = parser.parse_args()
    configure_log(args.log_file)
    serve(args.host, args.port, [SyncUriHandler('/host/echo', echo), AsyncUirHandler('/host/ping', ping)])


if __name__ == '__main__':
    main()

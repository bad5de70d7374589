"""A private Postfix instance on 127.0.0.1 for tests: its own configuration
and queue directories, chroot off, logging to a file, started and stopped
with `postfix -c DIR`."""
import os
import shutil
import subprocess
import time

from delivery_harness import free_port, wait_for_port

MASTER_CF = """\
{listeners}
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""


# Default: accepted mail goes nowhere (Postfix as a receiving server only).
DISCARD_EVERYTHING = """
default_transport = discard:accepted
relay_transport = discard:accepted
"""


class PostfixInstance:
    """`listeners` maps a name to a list of smtpd -o overrides; each gets a
    free port on 127.0.0.1 (self.ports[name])."""

    def __init__(self, workdir, listeners, main_cf_extra="", master_cf_extra=""):
        self.dir = os.path.join(workdir, "postfix")
        self.queue = os.path.join(self.dir, "queue")
        os.makedirs(self.queue)
        os.makedirs(os.path.join(self.dir, "data"))
        shutil.chown(os.path.join(self.dir, "data"), "postfix")
        self.ports = {}
        lines = []
        for name, overrides in listeners.items():
            port = free_port()
            self.ports[name] = port
            lines.append("127.0.0.1:%d inet n - n - - smtpd" % port)
            lines += ["  -o %s" % o for o in overrides]
        with open(os.path.join(self.dir, "master.cf"), "w") as f:
            f.write(MASTER_CF.format(listeners="\n".join(lines)) + master_cf_extra)
        with open(os.path.join(self.dir, "main.cf"), "w") as f:
            f.write("""\
compatibility_level = 3.6
queue_directory = {queue}
data_directory = {dir}/data
mail_owner = postfix
setgid_group = postdrop
myhostname = smtpd.mxd.test
mydomain = mxd.test
myorigin = mxd.test
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
maillog_file = {dir}/maillog
maillog_file_prefixes = {dir}
relay_domains = accept.test
smtpd_recipient_restrictions = reject_unauth_destination
smtpd_helo_required = no
biff = no
""".format(queue=self.queue, dir=self.dir) + (main_cf_extra or DISCARD_EVERYTHING))
        self._postfix("check")
        self._postfix("start")
        for port in self.ports.values():
            wait_for_port(port, timeout=20)

    def _postfix(self, *args):
        r = subprocess.run(["postfix", "-c", self.dir] + list(args), capture_output=True, text=True)
        if r.returncode != 0 and args[0] != "stop":
            raise RuntimeError("postfix %s: %s %s" % (args[0], r.stdout, r.stderr))

    def stop(self):
        self._postfix("stop")
        pid_file = os.path.join(self.queue, "pid", "master.pid")
        deadline = time.time() + 10
        while os.path.exists(pid_file) and time.time() < deadline:
            time.sleep(0.1)

    def command(self, *argv, stdin=None):
        """Runs a Postfix command (sendmail, postqueue, ...) on this instance."""
        return subprocess.run(list(argv), input=stdin, capture_output=True,
                              env=dict(os.environ, MAIL_CONFIG=self.dir))

    def maillog(self):
        path = os.path.join(self.dir, "maillog")
        if not os.path.exists(path):
            return ""
        with open(path) as f:
            return f.read()

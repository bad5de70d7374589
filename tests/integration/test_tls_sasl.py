"""STARTTLS and SMTP AUTH against Postfix's smtpd on 127.0.0.1 (TLS with a
test CA made here, Cyrus SASL from a sasldb file) and, for the STARTTLS
injection, our fault server. Every case checks the outcome and its reason."""
import os
import shutil
import subprocess
import tempfile
import unittest

from delivery_harness import DeliverySvc, FaultServer, Processes, confined_status, tempdir
from mxd.v1 import delivery_pb2
from postfix_instance import PostfixInstance
from tls_pki import Pki

DELIVERED, DEFERRED, BOUNCED = (delivery_pb2.ACTION_DELIVERED, delivery_pb2.ACTION_DEFERRED,
                                delivery_pb2.ACTION_BOUNCED)
MESSAGE = b"From: a@mxd.test\r\nSubject: tls\r\n\r\nover TLS\r\n"
PASSWORD = "s3cret-Pa55word"
MECHANISMS = ["PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256"]


def sasl_config(directory, name, db, mechanisms):
    """Cyrus SASL application `name` (smtpd_sasl_path) reads NAME.conf."""
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, name + ".conf"), "w") as f:
        f.write("pwcheck_method: auxprop\nauxprop_plugin: sasldb\nsasldb_path: %s\nmech_list: %s\n"
                % (db, " ".join(mechanisms)))
    return name


class PostfixTls(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="mxd-tls-")
        os.chmod(cls.tmp, 0o755)
        pki = cls.pki = Pki(cls.tmp)
        good = pki.server("good", ["mx.tls.test"])
        other = pki.server("other", ["other.example"])
        expired = pki.server("expired", ["mx.tls.test"], expired=True)
        # Users for Cyrus SASL: alice in realm mxd.test (smtpd_sasl_local_domain).
        db = os.path.join(cls.tmp, "sasldb2")
        subprocess.run(["saslpasswd2", "-f", db, "-c", "-p", "-u", "mxd.test", "alice"],
                       input=PASSWORD.encode(), check=True)
        os.chmod(db, 0o644)
        # Debian's Postfix reads Cyrus SASL application files from
        # $config_directory/sasl (cyrus_sasl_config_path is not used).
        sasl_dir = os.path.join(cls.tmp, "postfix", "sasl")
        every = sasl_config(sasl_dir, "smtpd-all", db, MECHANISMS)
        plain_only = sasl_config(sasl_dir, "smtpd-plain", db, ["PLAIN", "LOGIN"])

        def tls(cert):
            return ["smtpd_tls_security_level=may", "smtpd_tls_cert_file=" + cert[0],
                    "smtpd_tls_key_file=" + cert[1]]
        sasl = ["smtpd_sasl_auth_enable=yes", "smtpd_sasl_type=cyrus",
                "smtpd_sasl_local_domain=mxd.test", "smtpd_sasl_security_options=noanonymous",
                "smtpd_tls_auth_only=no"]
        cls.postfix = PostfixInstance(cls.tmp, {
            "tls": tls(good) + sasl + ["smtpd_sasl_path=" + every],
            "other_name": tls(other),
            "expired": tls(expired),
            "plain": ["smtpd_tls_security_level=none"] + sasl + ["smtpd_sasl_path=" + plain_only],
            "old_tls": tls(good) + ["smtpd_tls_protocols=<=TLSv1.1", "smtpd_tls_mandatory_protocols=<=TLSv1.1",
                                    "tls_medium_cipherlist=DEFAULT@SECLEVEL=0"],
            "wrapper": tls(good) + ["smtpd_tls_wrappermode=yes"],
            "ask_ccert": tls(good) + ["smtpd_tls_ask_ccert=yes", "smtpd_tls_CAfile=" + pki.ca_file,
                                      "smtpd_tls_loglevel=1"],
        }, main_cf_extra="default_transport = discard:accepted\nrelay_transport = discard:accepted\n"
                         "smtpd_tls_session_cache_timeout = 3600s\n")
        cls.ports = cls.postfix.ports

    @classmethod
    def tearDownClass(cls):
        cls.postfix.stop()
        shutil.rmtree(cls.tmp, True)

    def setUp(self):
        self.procs = Processes()
        self.dir = tempdir(self)
        self.addCleanup(self.procs.stop_all)

    def service(self, *options):
        base = ["smtp_tls_CAfile=" + self.pki.ca_file, "debug_peer_list=127.0.0.1", "debug_peer_level=1",
                "smtp_connection_cache_on_demand=no"]
        svc = DeliverySvc(self.procs, self.dir, base + list(options))
        self.addCleanup(self.assert_no_password_in_log, svc)
        return svc

    def assert_no_password_in_log(self, svc):
        with open(svc.log_path) as f:
            log = f.read()
        self.assertNotIn(PASSWORD, log)
        import base64
        self.assertNotIn(base64.b64encode(b"\0alice\0" + PASSWORD.encode()).decode(), log)

    def deliver(self, svc, listener, host="mx.tls.test", nexthop=None):
        port = self.ports[listener]
        return svc.deliver(MESSAGE, ["r@accept.test"], port, host=host,
                           nexthop=nexthop or "[%s]:%d" % (host, port))

    def chat(self, svc):
        return [l["line"] for l in svc.log_lines() if l["event"] == "smtp_chat"]

    # Security levels.

    def test_may_uses_starttls_and_reports_it(self):
        svc = self.service("smtp_tls_security_level=may")
        o = self.deliver(svc, "tls").outcomes[0]
        self.assertEqual(o.action, DELIVERED, o.reason)
        self.assertTrue(o.tls.used)
        self.assertRegex(o.tls.protocol, r"^TLSv1\.[23]$")
        self.assertTrue(o.tls.cipher)
        self.assertEqual(o.tls.verification, "trusted")  # names are not checked at may
        chat = self.chat(svc)
        self.assertIn("C: STARTTLS", chat)
        self.assertEqual(chat.count("C: EHLO client.mxd.test"), 2)  # again inside TLS
        tls_log = [l for l in svc.log_lines() if l["event"] == "tls"]
        self.assertEqual(tls_log[0]["verification"], "Trusted")
        self.assertIn(" TLS ", [l for l in svc.log_lines() if l["event"] == "delivery"][0]["tls"] + " TLS ")

    def test_tls_under_the_seccomp_filter_with_connection_reuse(self):
        # The service is confined (Seccomp: 2) and still does TLS, SASL and
        # reuse of a TLS connection (RSET inside TLS).
        table = os.path.join(self.dir, "sasl_passwd")
        with open(table, "w") as f:
            f.write("[mx.tls.test]:%d  alice:%s\n" % (self.ports["tls"], PASSWORD))
        svc = DeliverySvc(self.procs, self.dir, [
            "smtp_tls_CAfile=" + self.pki.ca_file, "smtp_tls_security_level=verify", "smtp_sasl_auth_enable=yes",
            "smtp_sasl_password_maps=texthash:" + table, "debug_peer_list=127.0.0.1", "debug_peer_level=1"],
            confined=True)
        self.addCleanup(self.assert_no_password_in_log, svc)
        status = confined_status(svc.proc.pid)
        self.assertEqual(status["Seccomp"].strip(), "2")
        first = self.deliver(svc, "tls").outcomes[0]
        second = self.deliver(svc, "tls").outcomes[0]
        self.assertEqual([first.action, second.action], [DELIVERED, DELIVERED], second.reason)
        self.assertEqual(second.tls.verification, "verified")
        # One handshake: the second message went over the same connection.
        self.assertEqual(len([l for l in svc.log_lines() if l["event"] == "tls"]), 1)
        self.assertIn("C: RSET", self.chat(svc))

    def test_none_never_starts_tls(self):
        svc = self.service("smtp_tls_security_level=none")
        o = self.deliver(svc, "tls").outcomes[0]
        self.assertEqual(o.action, DELIVERED, o.reason)
        self.assertFalse(o.tls.used)
        self.assertNotIn("C: STARTTLS", self.chat(svc))

    def test_may_without_starttls_offered_delivers_in_plain_text(self):
        svc = self.service("smtp_tls_security_level=may")
        o = self.deliver(svc, "plain").outcomes[0]
        self.assertEqual(o.action, DELIVERED, o.reason)
        self.assertFalse(o.tls.used)

    def test_encrypt_without_starttls_offered_defers(self):
        svc = self.service("smtp_tls_security_level=encrypt")
        o = self.deliver(svc, "plain").outcomes[0]
        self.assertEqual(o.action, DEFERRED)
        self.assertEqual(o.enhanced_status, "4.7.4")
        self.assertEqual(o.reason, "TLS is required, but was not offered by host mx.tls.test[127.0.0.1]")
        self.assertNotIn("C: MAIL FROM:<sender@mxd.test>", " ".join(self.chat(svc)))

    def test_encrypt_accepts_a_certificate_for_another_name(self):
        svc = self.service("smtp_tls_security_level=encrypt")
        o = self.deliver(svc, "other_name").outcomes[0]
        self.assertEqual(o.action, DELIVERED, o.reason)
        self.assertEqual(o.tls.verification, "trusted")

    def test_verify_matches_the_mx_host_name(self):
        svc = self.service("smtp_tls_security_level=verify")
        o = self.deliver(svc, "tls").outcomes[0]
        self.assertEqual(o.action, DELIVERED, o.reason)
        self.assertEqual(o.tls.verification, "verified")

    def test_verify_refuses_a_name_mismatch(self):
        svc = self.service("smtp_tls_security_level=verify")
        o = self.deliver(svc, "other_name").outcomes[0]
        self.assertEqual(o.action, DEFERRED)
        self.assertEqual(o.enhanced_status, "4.7.5")
        self.assertEqual(o.reason, "Server certificate not verified (host mx.tls.test[127.0.0.1]: "
                                   "the certificate does not match the expected names)")

    def test_verify_refuses_an_expired_certificate(self):
        svc = self.service("smtp_tls_security_level=verify")
        o = self.deliver(svc, "expired").outcomes[0]
        self.assertEqual(o.action, DEFERRED)
        self.assertEqual(o.enhanced_status, "4.7.5")
        self.assertEqual(o.reason,
                         "Server certificate not trusted (host mx.tls.test[127.0.0.1]: certificate has expired)")

    def test_verify_refuses_an_unknown_ca(self):
        svc = DeliverySvc(self.procs, self.dir, ["smtp_tls_security_level=verify"])  # no CAfile
        o = self.deliver(svc, "tls").outcomes[0]
        self.assertEqual(o.action, DEFERRED)
        self.assertIn("Server certificate not trusted (host mx.tls.test[127.0.0.1]: unable to get local issuer",
                      o.reason)

    def test_secure_by_policy_map_matches_the_next_hop_domain(self):
        port = self.ports["tls"]
        policy = os.path.join(self.dir, "tls_policy")
        with open(policy, "w") as f:
            f.write("# per-destination policy\ntls.test  secure\nstrict.test secure match=other.example\n")
        svc = self.service("smtp_tls_policy_maps=texthash:" + policy)
        # The next hop "tls.test" (an MX lookup's answer mx.tls.test): dot-nexthop matches.
        o = svc.deliver(MESSAGE, ["r@accept.test"], port, host="mx.tls.test", nexthop="tls.test").outcomes[0]
        self.assertEqual(o.action, DELIVERED, o.reason)
        self.assertEqual(o.tls.verification, "verified")
        o = svc.deliver(MESSAGE, ["r@accept.test"], port, host="mx.tls.test", nexthop="strict.test").outcomes[0]
        self.assertEqual(o.action, DEFERRED)
        self.assertIn("Server certificate not verified", o.reason)
        # No entry: the default level (none).
        o = svc.deliver(MESSAGE, ["r@accept.test"], port, host="mx.tls.test", nexthop="other.test").outcomes[0]
        self.assertEqual(o.action, DELIVERED, o.reason)
        self.assertFalse(o.tls.used)

    def test_a_bad_policy_map_stops_the_service_at_start(self):
        policy = os.path.join(self.dir, "bad_policy")
        with open(policy, "w") as f:
            f.write("example.com  secure\nexample.net  dane\n")
        r = subprocess.run([os.path.join(os.environ["MXD_BIN_DIR"], "delivery-svc"), "--listen", "127.0.0.1:0",
                            "-o", "smtp_tls_policy_maps=hash:" + policy], capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 78, r.stderr)  # EX_CONFIG
        import json
        error = json.loads(r.stderr.strip().splitlines()[-1])["error"]
        self.assertIn("parameter smtp_tls_policy_maps: %s line 2: TLS security level \"dane\" is not supported"
                      % policy, error)

    def test_a_password_map_entry_without_user_colon_stops_the_service(self):
        table = os.path.join(self.dir, "bad_sasl_passwd")
        with open(table, "w") as f:
            f.write("[mx.tls.test]:587  alice:%s\n# comment\nrelay.test  %s\n" % (PASSWORD, PASSWORD))
        r = subprocess.run([os.path.join(os.environ["MXD_BIN_DIR"], "delivery-svc"), "--listen", "127.0.0.1:0",
                            "-o", "smtp_sasl_auth_enable=yes", "-o", "smtp_sasl_password_maps=texthash:" + table],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 78, r.stderr)  # EX_CONFIG
        import json
        error = json.loads(r.stderr.strip().splitlines()[-1])["error"]
        self.assertIn("%s line 3: expected user:password for \"relay.test\"" % table, error)
        # The message names the entry, never its value: that may be a password.
        self.assertNotIn(PASSWORD, r.stderr)

    def test_may_falls_back_to_plain_text_when_the_handshake_fails(self):
        svc = self.service("smtp_tls_security_level=may")
        o = self.deliver(svc, "old_tls").outcomes[0]
        self.assertEqual(o.action, DELIVERED, o.reason)
        self.assertFalse(o.tls.used)
        fallback = [l for l in svc.log_lines() if l["event"] == "tls_fallback"]
        self.assertEqual(len(fallback), 1)
        self.assertIn("Cannot start TLS: handshake failure", fallback[0]["reason"])

    def test_encrypt_defers_when_the_handshake_fails(self):
        svc = self.service("smtp_tls_security_level=encrypt")
        o = self.deliver(svc, "old_tls").outcomes[0]
        self.assertEqual(o.action, DEFERRED)
        self.assertEqual(o.enhanced_status, "4.7.5")
        self.assertTrue(o.reason.startswith("Cannot start TLS: handshake failure with host mx.tls.test[127.0.0.1]: "),
                        o.reason)

    def test_wrappermode(self):
        svc = self.service("smtp_tls_wrappermode=yes", "smtp_tls_security_level=verify")
        o = self.deliver(svc, "wrapper").outcomes[0]
        self.assertEqual(o.action, DELIVERED, o.reason)
        self.assertEqual(o.tls.verification, "verified")
        self.assertNotIn("C: STARTTLS", self.chat(svc))

    def test_client_certificate_is_presented_when_asked(self):
        cert, key = self.pki.server("client", ["client.mxd.test"], client=True)
        svc = self.service("smtp_tls_security_level=encrypt", "smtp_tls_cert_file=" + cert,
                           "smtp_tls_key_file=" + key)
        o = self.deliver(svc, "ask_ccert").outcomes[0]
        self.assertEqual(o.action, DELIVERED, o.reason)
        import time
        for _ in range(50):
            if "Trusted TLS connection established from localhost" in self.postfix.maillog():
                break
            time.sleep(0.1)
        # smtpd verified our certificate against the test CA.
        self.assertIn("Trusted TLS connection established from localhost", self.postfix.maillog())

    def test_repeat_connections_resume_the_tls_session(self):
        svc = self.service("smtp_tls_security_level=encrypt")
        outcomes = [self.deliver(svc, "tls").outcomes[0] for _ in range(3)]
        self.assertEqual([o.action for o in outcomes], [DELIVERED] * 3, outcomes[-1].reason)
        # Postfix's smtpd sends no new ticket in a resumed session: the
        # cached session must stay usable for the third connection too.
        self.assertEqual([o.tls.resumed for o in outcomes], [False, True, True])

    # SASL.

    def sasl_service(self, *options, password=PASSWORD, key=None):
        table = os.path.join(self.dir, "sasl_passwd")
        with open(table, "w") as f:
            f.write("%s  alice:%s\n" % (key or "[mx.tls.test]:%d" % self.ports["tls"], password))
            f.write("[mx.tls.test]:%d  alice:%s\n" % (self.ports["plain"], password))
        return self.service("smtp_sasl_auth_enable=yes", "smtp_sasl_password_maps=hash:" + table, *options)

    def sasl_log(self):
        return [l for l in self.postfix.maillog().splitlines() if "sasl_username=alice" in l]

    def test_each_mechanism_over_tls(self):
        for mech in MECHANISMS:
            with self.subTest(mech=mech):
                before = len(self.sasl_log())
                svc = self.sasl_service("smtp_tls_security_level=encrypt", "smtp_sasl_mechanism_filter=" + mech,
                                        "smtp_sasl_tls_security_options=noanonymous")
                o = self.deliver(svc, "tls").outcomes[0]
                self.assertEqual(o.action, DELIVERED, o.reason)
                self.assertIn("C: AUTH " + mech + ("" if mech in ("LOGIN", "CRAM-MD5") else
                                                   " (initial response hidden)"), self.chat(svc))
                for _ in range(50):
                    if len(self.sasl_log()) > before:
                        break
                    import time
                    time.sleep(0.1)
                self.assertIn("sasl_method=" + mech, self.sasl_log()[-1])

    def test_password_never_found_by_the_server_host_name_of_a_route(self):
        # Postfix would also look up "mx.tls.test"; mxd does not: the
        # routes, and so the server names, come from the caller
        # (docs/security.md). The next hop "mx.tls.test" gets it.
        svc = self.sasl_service("smtp_tls_security_level=encrypt", "smtp_sasl_tls_security_options=noanonymous",
                                key="mx.tls.test")
        o = self.deliver(svc, "tls").outcomes[0]
        self.assertEqual(o.action, DELIVERED, o.reason)
        self.assertFalse(any(l.startswith("C: AUTH ") for l in self.chat(svc)))
        o = self.deliver(svc, "tls", nexthop="mx.tls.test").outcomes[0]
        self.assertEqual(o.action, DELIVERED, o.reason)
        self.assertTrue(any(l.startswith("C: AUTH ") for l in self.chat(svc)))

    def test_default_security_options_pick_a_non_plaintext_mechanism(self):
        svc = self.sasl_service("smtp_tls_security_level=may")
        o = self.deliver(svc, "tls").outcomes[0]
        self.assertEqual(o.action, DELIVERED, o.reason)
        auth = [l for l in self.chat(svc) if l.startswith("C: AUTH ")]
        self.assertEqual(auth, ["C: AUTH SCRAM-SHA-256 (initial response hidden)"])

    def test_wrong_password_defers_with_soft_bounce(self):
        svc = self.sasl_service("smtp_tls_security_level=encrypt", "smtp_sasl_tls_security_options=noanonymous",
                                password="wrong")
        o = self.deliver(svc, "tls").outcomes[0]
        self.assertEqual(o.action, DEFERRED)
        self.assertEqual(o.enhanced_status, "4.7.0")
        self.assertRegex(o.reason, r"^SASL authentication failed; server mx\.tls\.test\[127\.0\.0\.1\] said: "
                                   r"535 5\.7\.8 Error: authentication failed")
        self.assertNotIn("C: MAIL FROM:<sender@mxd.test>", " ".join(self.chat(svc)))

    def test_wrong_password_bounces_without_soft_bounce(self):
        svc = self.sasl_service("smtp_tls_security_level=encrypt", "smtp_sasl_tls_security_options=noanonymous",
                                "smtp_sasl_auth_soft_bounce=no", password="wrong")
        o = self.deliver(svc, "tls").outcomes[0]
        self.assertEqual(o.action, BOUNCED)
        self.assertEqual(o.smtp_code, 535)
        self.assertEqual(o.enhanced_status, "5.7.8")

    def test_noplaintext_without_tls_finds_no_mechanism(self):
        # The "plain" listener offers only PLAIN and LOGIN, and no STARTTLS.
        svc = self.sasl_service("smtp_tls_security_level=may")
        o = self.deliver(svc, "plain").outcomes[0]
        self.assertEqual(o.action, DEFERRED)
        self.assertEqual(o.enhanced_status, "4.7.0")
        self.assertEqual(o.reason, "SASL authentication failed; cannot authenticate to server "
                                   "mx.tls.test[127.0.0.1]: no mechanism available")

    def test_plain_allowed_without_tls_when_the_options_say_so(self):
        svc = self.sasl_service("smtp_sasl_security_options=noanonymous")
        o = self.deliver(svc, "plain").outcomes[0]
        self.assertEqual(o.action, DELIVERED, o.reason)

    def test_no_auth_offered_delivers_without_auth(self):
        svc = self.sasl_service("smtp_tls_security_level=may", key="[mx.tls.test]:%d" % self.ports["other_name"])
        o = self.deliver(svc, "other_name").outcomes[0]
        self.assertEqual(o.action, DELIVERED, o.reason)
        self.assertFalse(any(l.startswith("C: AUTH") for l in self.chat(svc)))


class StartTlsInjection(unittest.TestCase):
    def setUp(self):
        self.procs = Processes()
        self.dir = tempdir(self)
        self.addCleanup(self.procs.stop_all)
        pki = Pki(self.dir)
        cert, key = pki.server("fault", ["mx.tls.test"])
        self.server = FaultServer(self.procs, self.dir, {
            "tls": {"cert": cert, "key": key},
            "ehlo": ["250-fault.test", "250-PIPELINING", "250 STARTTLS"],
            # Replies pipelined in the clear after the 220, as if to EHLO, MAIL, RCPT and DATA.
            "STARTTLS": {"inject": "250-evil.test\r\n250 PIPELINING\r\n250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n"
                                   "354 go\r\n"},
        })
        self.svc = DeliverySvc(self.procs, self.dir, ["smtp_tls_security_level=encrypt",
                                                      "debug_peer_list=127.0.0.1", "debug_peer_level=1"])

    def test_replies_pipelined_before_the_handshake_are_discarded(self):
        resp = self.svc.deliver(MESSAGE, ["r@accept.test"], self.server.port, host="mx.tls.test")
        o = resp.outcomes[0]
        self.assertEqual(o.action, DELIVERED, o.reason)
        self.assertTrue(o.tls.used)
        commands = self.server.commands()
        # Inside TLS the client asked again and waited for real answers.
        self.assertEqual(commands[:3], ["EHLO client.mxd.test", "STARTTLS", "EHLO client.mxd.test"])
        self.assertIn("DATA", commands)
        chat = [l["line"] for l in self.svc.log_lines() if l["event"] == "smtp_chat"]
        self.assertIn("(discarded what the server sent after its STARTTLS reply)", chat)
        self.assertNotIn("S: 250-evil.test", chat)


if __name__ == "__main__":
    unittest.main()

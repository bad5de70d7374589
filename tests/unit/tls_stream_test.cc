// TlsStream and TlsClientContext against an in-process OpenSSL server over
// memory BIOs: handshakes, the verification classes each security level
// relies on, SNI, and session resumption. No sockets.
#include "delivery-svc/tls/tls_stream.h"

#include <gtest/gtest.h>
#include <openssl/err.h>

#include <atomic>
#include <thread>

#include "delivery-svc/tls/tls_client_context.h"
#include "tests/unit/tls_test_pki.h"

namespace mxd {
namespace {

using testing::TestPki;

// Server side: an SSL with memory BIOs.
class Server {
 public:
  explicit Server(SSL_CTX* ctx) : ssl_(SSL_new(ctx)) {
    in_ = BIO_new(BIO_s_mem());
    out_ = BIO_new(BIO_s_mem());
    BIO_set_mem_eof_return(in_, -1);
    SSL_set_bio(ssl_, in_, out_);
    SSL_set_accept_state(ssl_);
  }
  ~Server() { SSL_free(ssl_); }
  void Feed(std::string& data) {
    BIO_write(in_, data.data(), static_cast<int>(data.size()));
    data.clear();
  }
  std::string Pump(std::string* plaintext = nullptr) {
    char buf[16384];
    int n;
    if (!SSL_is_init_finished(ssl_)) SSL_do_handshake(ssl_);
    while ((n = SSL_read(ssl_, buf, sizeof(buf))) > 0) {
      if (plaintext) plaintext->append(buf, static_cast<size_t>(n));
    }
    std::string out;
    while ((n = BIO_read(out_, buf, sizeof(buf))) > 0) out.append(buf, static_cast<size_t>(n));
    return out;
  }
  void Write(const std::string& s) { SSL_write(ssl_, s.data(), static_cast<int>(s.size())); }
  SSL* ssl() { return ssl_; }

 private:
  SSL* ssl_;
  BIO* in_;
  BIO* out_;
};

// Runs the handshake to its end; returns the client's final state.
TlsStream::State Handshake(TlsStream& client, Server& server, std::string* received = nullptr) {
  std::string plain;
  for (int i = 0; i < 20; ++i) {
    TlsStream::State st = client.Drive(&plain);
    server.Feed(client.ciphertext_out());
    std::string back = server.Pump();
    if (st != TlsStream::State::kHandshaking && back.empty()) break;
    client.FeedCiphertext(back);
  }
  if (received) *received = plain;
  return client.state();
}

class TlsStreamTest : public ::testing::Test {
 protected:
  std::unique_ptr<TlsClientContext> Context(TlsClientSettings s = {}) {
    s.ca_file = pki_.ca_file();
    auto c = TlsClientContext::Create(s);
    EXPECT_TRUE(c.ok()) << c.status();
    return std::move(*c);
  }
  TlsPolicy Policy(TlsLevel level, std::vector<std::string> match = {"hostname"}) {
    TlsPolicy p;
    p.level = level;
    p.match = std::move(match);
    return p;
  }
  TestPki pki_;
};

TEST_F(TlsStreamTest, HandshakeAndDataBothWays) {
  auto ctx = Context();
  SSL_CTX* sctx = pki_.Server({"mx.example.com"});
  Server server(sctx);
  auto client = ctx->NewStream(Policy(TlsLevel::kMay), "example.com", "mx.example.com", "k1");
  ASSERT_TRUE(client.ok());
  ASSERT_EQ(Handshake(**client, server), TlsStream::State::kOpen) << (*client)->error();
  ASSERT_TRUE((*client)->Write("EHLO client.example\r\n"));
  std::string got;
  server.Feed((*client)->ciphertext_out());
  std::string reply = server.Pump(&got);
  EXPECT_EQ(got, "EHLO client.example\r\n");
  server.Write("250 ok\r\n");
  (*client)->FeedCiphertext(server.Pump());
  std::string plain;
  (*client)->Drive(&plain);
  EXPECT_EQ(plain, "250 ok\r\n");
  const TlsSessionInfo& i = (*client)->info();
  EXPECT_TRUE(i.used);
  EXPECT_EQ(i.protocol, "TLSv1.3");
  EXPECT_FALSE(i.cipher.empty());
  EXPECT_TRUE(i.trusted);
  EXPECT_FALSE(i.names_checked);  // level may checks no names
  EXPECT_EQ(i.Verification(), "Trusted");
  EXPECT_EQ(i.peer_cn, "mx.example.com");
  SSL_CTX_free(sctx);
}

TEST_F(TlsStreamTest, VerifyLevelChecksTheMxHostName) {
  auto ctx = Context();
  SSL_CTX* sctx = pki_.Server({"mx.example.com"});
  {
    Server server(sctx);
    auto client = ctx->NewStream(Policy(TlsLevel::kVerify), "example.com", "mx.example.com", "a");
    ASSERT_EQ(Handshake(**client, server), TlsStream::State::kOpen);
    EXPECT_EQ((*client)->info().Verification(), "Verified");
  }
  {
    Server server(sctx);
    auto client = ctx->NewStream(Policy(TlsLevel::kVerify), "example.com", "other.example.com", "b");
    ASSERT_EQ(Handshake(**client, server), TlsStream::State::kOpen);
    EXPECT_TRUE((*client)->info().trusted);
    EXPECT_FALSE((*client)->info().matched);
    EXPECT_EQ((*client)->info().Verification(), "Trusted");
  }
  SSL_CTX_free(sctx);
}

TEST_F(TlsStreamTest, SecureMatchesSubdomainsOfTheNextHop) {
  auto ctx = Context();
  SSL_CTX* sctx = pki_.Server({"mx1.mail.example.com"});
  for (auto [nexthop, ok] : std::vector<std::pair<std::string, bool>>{
           {"example.com", true}, {"mail.example.com", true}, {"example.net", false}}) {
    Server server(sctx);
    auto client =
        ctx->NewStream(Policy(TlsLevel::kSecure, {"nexthop", "dot-nexthop"}), nexthop, "whatever", nexthop);
    ASSERT_EQ(Handshake(**client, server), TlsStream::State::kOpen);
    EXPECT_EQ((*client)->info().matched, ok) << nexthop;
  }
  SSL_CTX_free(sctx);
}

TEST_F(TlsStreamTest, ExpiredAndUnknownIssuerAreNotTrusted) {
  auto ctx = Context();
  SSL_CTX* expired = pki_.Server({"mx.example.com"}, -30, -1);
  SSL_CTX* self_signed = pki_.Server({"mx.example.com"}, -1, 30, /*self_signed=*/true);
  {
    Server server(expired);
    auto client = ctx->NewStream(Policy(TlsLevel::kVerify), "example.com", "mx.example.com", "e");
    ASSERT_EQ(Handshake(**client, server), TlsStream::State::kOpen);
    EXPECT_FALSE((*client)->info().trusted);
    EXPECT_EQ((*client)->info().trust_error, "certificate has expired");
    EXPECT_EQ((*client)->info().Verification(), "Untrusted");
  }
  {
    Server server(self_signed);
    auto client = ctx->NewStream(Policy(TlsLevel::kEncrypt), "example.com", "mx.example.com", "s");
    ASSERT_EQ(Handshake(**client, server), TlsStream::State::kOpen);
    EXPECT_FALSE((*client)->info().trusted);
    EXPECT_EQ((*client)->info().trust_error, "self-signed certificate");
  }
  SSL_CTX_free(expired);
  SSL_CTX_free(self_signed);
}

TEST_F(TlsStreamTest, SendsTheMxHostNameAsSni) {
  auto ctx = Context();
  SSL_CTX* sctx = pki_.Server({"mx.example.com"});
  Server server(sctx);
  auto client = ctx->NewStream(Policy(TlsLevel::kMay), "example.com", "mx.example.com", "sni");
  ASSERT_EQ(Handshake(**client, server), TlsStream::State::kOpen);
  const char* sni = SSL_get_servername(server.ssl(), TLSEXT_NAMETYPE_host_name);
  ASSERT_NE(sni, nullptr);
  EXPECT_STREQ(sni, "mx.example.com");
  SSL_CTX_free(sctx);
}

TEST_F(TlsStreamTest, ProtocolFloorRefusesOldServers) {
  auto ctx = Context();  // smtp_tls_protocols default >=TLSv1.2
  SSL_CTX* sctx = pki_.Server({"mx.example.com"});
  SSL_CTX_set_security_level(sctx, 0);
  SSL_CTX_set_max_proto_version(sctx, TLS1_1_VERSION);
  Server server(sctx);
  auto client = ctx->NewStream(Policy(TlsLevel::kMay), "example.com", "mx.example.com", "old");
  EXPECT_EQ(Handshake(**client, server), TlsStream::State::kFailed);
  EXPECT_FALSE((*client)->error().empty());
  SSL_CTX_free(sctx);
}

TEST_F(TlsStreamTest, SecondConnectionResumesTheSession) {
  auto ctx = Context();
  SSL_CTX* sctx = pki_.Server({"mx.example.com"});
  // Every later connection resumes, also with tickets issued in resumed ones.
  for (int round = 0; round < 4; ++round) {
    Server server(sctx);
    auto client = ctx->NewStream(Policy(TlsLevel::kVerify), "example.com", "mx.example.com", "mx:25/verify");
    ASSERT_EQ(Handshake(**client, server), TlsStream::State::kOpen);
    // TLS 1.3 tickets arrive after the handshake, with the first data.
    server.Write("220 hi\r\n");
    (*client)->FeedCiphertext(server.Pump());
    std::string plain;
    (*client)->Drive(&plain);
    EXPECT_EQ((*client)->info().resumed, round > 0) << "round " << round;
    EXPECT_EQ((*client)->info().Verification(), "Verified");  // kept from the first handshake
  }
  EXPECT_EQ(ctx->sessions_cached(), 1u);
  SSL_CTX_free(sctx);
}

// The context is shared by every connection; its session cache takes
// stores and look-ups from several threads (run under ThreadSanitizer by
// scripts/test).
TEST_F(TlsStreamTest, SessionCacheIsSafeAcrossThreads) {
  auto ctx = Context();
  SSL_CTX* sctx = pki_.Server({"mx.example.com"});
  std::vector<std::thread> threads;
  std::atomic<int> open{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 5; ++round) {
        Server server(sctx);
        auto client = ctx->NewStream(Policy(TlsLevel::kMay), "example.com", "mx.example.com",
                                     "mx:25/" + std::to_string(t % 2));
        if (!client.ok() || Handshake(**client, server) != TlsStream::State::kOpen) continue;
        server.Write("220 hi\r\n");
        (*client)->FeedCiphertext(server.Pump());
        std::string plain;
        (*client)->Drive(&plain);
        open.fetch_add(1);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(open.load(), 20);
  EXPECT_EQ(ctx->sessions_cached(), 2u);
  SSL_CTX_free(sctx);
}

}  // namespace
}  // namespace mxd

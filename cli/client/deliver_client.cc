#include "cli/client/deliver_client.h"

#include <fcntl.h>
#include <grpcpp/grpcpp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>

#include "absl/strings/str_cat.h"
#include "cli/client/deliver_proto.h"
#include "cli/client/grpc_channel.h"
#include "cli/client/grpc_status.h"
#include "common/config/config_loader.h"
#include "common/config/delivery_time_budget.h"
#include "common/grpc/delivery_metadata.h"
#include "mxd/v1/delivery.grpc.pb.h"

namespace mxd::client {
namespace {

constexpr char kNothingSentPayload[] = "type.mxd.dev/nothing-sent";

}  // namespace

absl::Status MarkNothingSent(absl::Status status) {
  status.SetPayload(kNothingSentPayload, absl::Cord("1"));
  return status;
}

bool NothingWasSent(const absl::Status& status) {
  return !status.ok() && (status.code() == absl::StatusCode::kInvalidArgument ||
                          status.GetPayload(kNothingSentPayload).has_value());
}

absl::StatusOr<absl::Duration> DefaultDeliverTimeout(const std::string& main_cf) {
  absl::StatusOr<Config> config = LoadConfig(main_cf, {});
  if (!config.ok()) return config.status();
  return DefaultDeliverDeadline(*config);
}

const char* ActionName(DeliverOutcome::Action a) {
  switch (a) {
    case DeliverOutcome::Action::kDelivered: return "delivered";
    case DeliverOutcome::Action::kDeferred: return "deferred";
    case DeliverOutcome::Action::kBounced: return "bounced";
  }
  return "deferred";
}

namespace {

// The response is read as bytes and parsed here, not by gRPC: a response
// that does not parse (a server that broke the UTF-8 rule of proto3 strings)
// makes gRPC 1.51's synchronous writer abort the process, after the server
// may have delivered the message. Here it is an error that says so.
absl::StatusOr<v1::DeliverResponse> ParseResponse(const grpc::ByteBuffer& raw) {
  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (raw.Valid() && raw.Dump(&slices).ok()) {
    for (const grpc::Slice& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  v1::DeliverResponse resp;
  if (!resp.ParseFromString(bytes)) {
    return absl::DataLossError(
        "delivery-svc sent a response that cannot be read (not a valid DeliverResponse); the outcome is "
        "unknown: the message may have been delivered");
  }
  return resp;
}

}  // namespace

struct DeliverClient::Impl {
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<grpc::internal::RpcMethod> method;
  absl::Status channel_error;

  // `next` fills a chunk and returns false at the end (or sets *error).
  absl::StatusOr<DeliverResult> Run(const DeliverEnvelope& envelope, uint64_t size, absl::Duration timeout,
                                    const std::function<bool(std::string*, absl::Status*)>& next) {
    if (!channel_error.ok()) return channel_error;
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
    grpc::ByteBuffer raw;
    std::unique_ptr<grpc::ClientWriter<v1::DeliverRequest>> writer(
        grpc::internal::ClientWriterFactory<v1::DeliverRequest>::Create(channel.get(), *method, &ctx, &raw));
    v1::DeliverRequest req;
    FillEnvelope(envelope, size, req.mutable_envelope());
    bool open = writer->Write(req);
    absl::Status read_error;
    std::string chunk;
    while (open) {
      if (!next(&chunk, &read_error)) break;
      req.set_chunk(chunk);
      open = writer->Write(req);
    }
    if (!read_error.ok()) {
      ctx.TryCancel();  // never let a half-read message be delivered
      writer->Finish();
      return read_error;
    }
    writer->WritesDone();
    grpc::Status st = writer->Finish();
    if (!st.ok()) {
      absl::Status failed = FromGrpcStatus(st);
      // The service marks every call it takes on, and every failure before
      // SMTP; anything else may have delivered the message.
      const bool accepted = ctx.GetServerInitialMetadata().count(kAcceptedMetadata) > 0;
      const bool said_so = ctx.GetServerTrailingMetadata().count(kNothingSentTrailer) > 0;
      return !accepted || said_so ? MarkNothingSent(failed) : failed;
    }
    absl::StatusOr<v1::DeliverResponse> parsed = ParseResponse(raw);
    if (!parsed.ok()) return parsed.status();
    return ResultFromResponse(*parsed, envelope.recipients.size());
  }
};

DeliverClient::DeliverClient(const std::string& target, const ChannelSecurity& security) : impl_(new Impl) {
  auto channel = MakeChannel(target, security);
  if (channel.ok()) {
    impl_->channel = *channel;
    impl_->method = std::make_unique<grpc::internal::RpcMethod>(
        "/mxd.v1.Delivery/Deliver", grpc::internal::RpcMethod::CLIENT_STREAMING, impl_->channel);
  } else {
    impl_->channel_error = channel.status();
  }
}

DeliverClient::~DeliverClient() = default;

absl::StatusOr<DeliverResult> DeliverClient::Deliver(const DeliverEnvelope& envelope,
                                                     absl::string_view content, absl::Duration timeout) {
  size_t offset = 0;
  return impl_->Run(envelope, content.size(), timeout, [&](std::string* chunk, absl::Status*) {
    if (offset >= content.size()) return false;
    const size_t n = std::min(kChunkSize, content.size() - offset);
    chunk->assign(content.data() + offset, n);
    offset += n;
    return true;
  });
}

absl::StatusOr<int> AsRegularFile(int fd, bool* copied) {
  struct stat st;
  if (fstat(fd, &st) != 0) return absl::NotFoundError(absl::StrCat("fstat: ", std::strerror(errno)));
  *copied = false;
  if (S_ISREG(st.st_mode)) return fd;
  const char* tmp = getenv("TMPDIR");
  int owned = open(tmp && *tmp ? tmp : "/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (owned < 0) return absl::UnavailableError(absl::StrCat("temporary file: ", std::strerror(errno)));
  char buf[DeliverClient::kChunkSize];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      close(owned);
      return absl::DataLossError(absl::StrCat("reading the message: ", std::strerror(errno)));
    }
    if (n == 0) break;
    if (write(owned, buf, static_cast<size_t>(n)) != n) {
      close(owned);
      return absl::UnavailableError(absl::StrCat("temporary file: ", std::strerror(errno)));
    }
  }
  lseek(owned, 0, SEEK_SET);
  *copied = true;
  return owned;
}

absl::StatusOr<DeliverResult> DeliverClient::DeliverFd(const DeliverEnvelope& envelope, int fd,
                                                       absl::Duration timeout) {
  bool copied = false;
  auto file = AsRegularFile(fd, &copied);
  if (!file.ok()) return file.status();
  const int source = *file;
  struct stat st;
  fstat(source, &st);
  off_t start = lseek(source, 0, SEEK_CUR);
  if (start < 0) start = 0;
  const uint64_t size = static_cast<uint64_t>(st.st_size - start);
  uint64_t offset = 0;
  auto result = impl_->Run(envelope, size, timeout, [&](std::string* chunk, absl::Status* error) {
    if (offset >= size) return false;
    chunk->resize(std::min<uint64_t>(kChunkSize, size - offset));
    ssize_t n = pread(source, chunk->data(), chunk->size(), start + static_cast<off_t>(offset));
    if (n <= 0) {
      *error = absl::DataLossError(
          absl::StrCat("reading the message: ", n < 0 ? std::strerror(errno) : "short file"));
      return false;
    }
    chunk->resize(static_cast<size_t>(n));
    offset += static_cast<uint64_t>(n);
    return true;
  });
  if (copied) close(source);
  return result;
}

}  // namespace mxd::client

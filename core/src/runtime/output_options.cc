#include "runtime/output_options.h"

#include "config/units.h"

namespace runnel::runtime {

const char* BufferTypeName(BufferType type) {
  return type == BufferType::kDisk ? "disk" : "memory";
}

void AddCommonOutputFields(Schema& schema) {
  auto add = [&schema](const std::string& name, auto&& declare) {
    if (schema.Find(name) == nullptr) {
      declare();
    }
  };
  add("buffer.type", [&] {
    schema.EnumNoDefault(
        "buffer.type", {"memory", "disk"},
        "Where batches wait for this output: \"memory\" or \"disk\" (a segmented log under "
        "data_dir/outputs.NAME/buffer that survives a crash). Default: memory in runnel-agent, "
        "disk in runnel-aggregator.");
  });
  add("buffer.max_bytes", [&] {
    schema.OptionalNoDefault(
        "buffer.max_bytes", FieldType::kSize,
        "Cap on the buffer. Default: memory, a share of memory_limit (memory_limit divided by "
        "the number of outputs plus one, between 1MiB and 16MiB); disk, 2GiB.");
  });
  add("buffer.when_full", [&] {
    schema.Enum("buffer.when_full", {"block", "drop_oldest"}, "\"block\"",
                "When the buffer is full: \"block\" makes the inputs that feed this output wait "
                "(and so every other output they feed); \"drop_oldest\" discards the oldest "
                "batches, counted in dropped_total, so the inputs never wait for this output.");
  });
  add("buffer.sync", [&] {
    schema.EnumNoDefault(
        "buffer.sync", {"always", "interval", "never"},
        "Disk buffer only: when appended batches are fsynced. \"always\": before they are "
        "acknowledged (survives power loss); \"interval\": every sync_interval (survives a crash "
        "of runnel; a power loss may lose the last interval); \"never\": left to the kernel. "
        "Default: interval.");
  });
  add("buffer.sync_interval", [&] {
    schema.OptionalNoDefault("buffer.sync_interval", FieldType::kDuration,
                             "Disk buffer with sync = \"interval\": time between fsyncs. "
                             "Default: 1s.");
  });
  add("acknowledgements", [&] {
    schema.Enum("acknowledgements", {"durable", "accepted"}, "\"durable\"",
                "When this output's part of a batch's acknowledgement completes, so that its "
                "source commits (tail checkpoints, forward acks): \"durable\" once the output "
                "delivered it or it is in a disk buffer; \"accepted\" as soon as it is in a "
                "memory buffer (a crash then loses what that buffer held).");
  });
}

Result<OutputOptions> ParseOutputOptions(const ConfigNode& node, BufferType default_buffer,
                                         uint64_t memory_share, uint64_t memory_limit) {
  OutputOptions o;
  o.buffer = default_buffer;
  if (node.Has("buffer.type")) {
    // The loader has checked the value is one of the choices.
    o.buffer = node.GetString("buffer.type") == "disk" ? BufferType::kDisk : BufferType::kMemory;
  }
  const bool disk = o.buffer == BufferType::kDisk;
  if (!disk) {
    for (const char* key : {"buffer.sync", "buffer.sync_interval"}) {
      if (node.Has(key)) {
        return Err(node.Error(key,
                              "applies only to a disk buffer, and this output's buffer is "
                              "in memory; set buffer.type = \"disk\" or remove it"));
      }
    }
  }
  if (node.Has("buffer.sync")) {
    const std::string& sync = node.GetString("buffer.sync");
    o.sync = sync == "always"  ? buffer::SyncPolicy::kAlways
             : sync == "never" ? buffer::SyncPolicy::kNever
                               : buffer::SyncPolicy::kInterval;
  }
  if (node.Has("buffer.sync_interval")) {
    if (o.sync != buffer::SyncPolicy::kInterval) {
      return Err(
          node.Error("buffer.sync_interval", "applies only with buffer.sync = \"interval\""));
    }
    o.sync_interval = node.GetDuration("buffer.sync_interval");
    if (o.sync_interval.count() <= 0) {
      return Err(node.Error("buffer.sync_interval", "must be more than 0"));
    }
  }
  o.max_bytes = disk ? kDefaultDiskBufferBytes : memory_share;
  if (node.Has("buffer.max_bytes")) {
    o.max_bytes = node.GetSize("buffer.max_bytes");
    if (o.max_bytes < (1u << 20)) {
      return Err(node.Error("buffer.max_bytes",
                            config::FormatSize(o.max_bytes) + " is too small; the least is 1MiB"));
    }
    if (!disk && o.max_bytes > memory_limit) {
      return Err(
          node.Error("buffer.max_bytes",
                     "a memory buffer of " + config::FormatSize(o.max_bytes) +
                         " is larger than memory_limit (" + config::FormatSize(memory_limit) +
                         "), which every queue shares; raise memory_limit, lower max_bytes, or use "
                         "buffer.type = \"disk\""));
    }
  }
  // Nodes built by hand (tests, embedders) may lack the defaults the loader fills in.
  if (node.Has("buffer.when_full") && node.GetString("buffer.when_full") == "drop_oldest") {
    o.when_full = buffer::WhenFull::kDropOldest;
  }
  o.durable = !node.Has("acknowledgements") || node.GetString("acknowledgements") == "durable";
  return o;
}

}  // namespace runnel::runtime

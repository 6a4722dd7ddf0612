// Pub/Sub: SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE PUNSUBSCRIBE PUBLISH SSUBSCRIBE SUNSUBSCRIBE SPUBLISH
// and PUBSUB CHANNELS/NUMSUB/NUMPAT/SHARDCHANNELS/SHARDNUMSUB. The registry and delivery live in
// the engine (Engine::publish); these handlers only parse and reply.
#include "microredis/commands.hpp"
#include "microredis/engine.hpp"
#include "microredis/util/glob.hpp"

namespace microredis {
namespace pubsub_cmds {

inline std::size_t reply_count(const Session& s, SubscriptionKind kind) {
  return kind == SubscriptionKind::shard ? s.subscription_count(kind) : s.channel_and_pattern_count();
}

inline void subscribe_generic(Context& c, SubscriptionKind kind, std::string_view verb) {
  for (std::size_t i = 1; i < c.argc; ++i) {
    bool oom = false;
    (void)c.engine.pubsub().subscribe(c.session, kind, c.arg(i), oom);
    if (oom) return c.out.error(Status::oom);
    c.engine.reply_subscription(c.session, verb, &c.argv[i], reply_count(c.session, kind));
  }
}

inline void unsubscribe_generic(Context& c, SubscriptionKind kind, std::string_view verb) {
  if (c.argc == 1) {
    (void)c.engine.unsubscribe_all(c.session, kind, true);
    return;
  }
  for (std::size_t i = 1; i < c.argc; ++i) {
    (void)c.engine.pubsub().unsubscribe(c.session, kind, c.arg(i));
    c.engine.reply_subscription(c.session, verb, &c.argv[i], reply_count(c.session, kind));
  }
}

inline void subscribe(Context& c) { subscribe_generic(c, SubscriptionKind::channel, "subscribe"); }
inline void unsubscribe(Context& c) { unsubscribe_generic(c, SubscriptionKind::channel, "unsubscribe"); }
inline void psubscribe(Context& c) { subscribe_generic(c, SubscriptionKind::pattern, "psubscribe"); }
inline void punsubscribe(Context& c) { unsubscribe_generic(c, SubscriptionKind::pattern, "punsubscribe"); }
inline void sunsubscribe(Context& c) { unsubscribe_generic(c, SubscriptionKind::shard, "sunsubscribe"); }

inline void ssubscribe(Context& c) {
  // Redis refuses SSUBSCRIBE for clients that may not block, which includes EXEC's queued commands.
  if (c.session.in_exec()) return c.out.error(Status::ssubscribe_deny_blocking);
  subscribe_generic(c, SubscriptionKind::shard, "ssubscribe");
}

inline void publish(Context& c) {
  // Replicas deliver it to their own subscribers; the AOF does not keep it (as Redis outside cluster).
  c.force_propagation_to_replicas();
  c.out.integer(static_cast<std::int64_t>(c.engine.publish(SubscriptionKind::channel, c.arg(1), c.arg(2))));
}

inline void spublish(Context& c) {
  c.out.integer(static_cast<std::int64_t>(c.engine.publish(SubscriptionKind::shard, c.arg(1), c.arg(2))));
}

inline void list_channels(Context& c, SubscriptionKind kind) {
  const bool filtered = c.argc == 3;
  const std::string_view pattern = filtered ? c.arg(2) : std::string_view();
  Writer::Deferred d = c.out.defer();
  std::size_t n = 0;
  c.engine.pubsub().for_each(kind, [&](std::string_view name, const Vec<Session*>&) {
    if (filtered && !glob_match(pattern, name)) return;
    c.out.bulk(name);
    ++n;
  });
  c.out.end_array(d, n);
}

inline void count_subscribers(Context& c, SubscriptionKind kind) {
  c.out.map(c.argc - 2);
  for (std::size_t i = 2; i < c.argc; ++i) {
    const PubSub::Node* node = c.engine.pubsub().channel(kind, c.arg(i));
    c.out.bulk(c.arg(i));
    c.out.integer(node ? static_cast<std::int64_t>(node->subscribers.size()) : 0);
  }
}

inline void pubsub_channels(Context& c) { list_channels(c, SubscriptionKind::channel); }
inline void pubsub_shardchannels(Context& c) { list_channels(c, SubscriptionKind::shard); }
inline void pubsub_numsub(Context& c) { count_subscribers(c, SubscriptionKind::channel); }
inline void pubsub_shardnumsub(Context& c) { count_subscribers(c, SubscriptionKind::shard); }
inline void pubsub_numpat(Context& c) {
  c.out.integer(static_cast<std::int64_t>(c.engine.pubsub().count(SubscriptionKind::pattern)));
}

inline void pubsub_help(Context& c) {
  c.reply_help({"CHANNELS [<pattern>]", "    Return the currently active channels matching a <pattern> (default: '*').",
                "NUMPAT", "    Return number of subscriptions to patterns.", "NUMSUB [<channel> ...]",
                "    Return the number of subscribers for the specified channels, excluding",
                "    pattern subscriptions(default: no channels).", "SHARDCHANNELS [<pattern>]",
                "    Return the currently active shard level channels matching a <pattern> (default: '*').",
                "SHARDNUMSUB [<shardchannel> ...]",
                "    Return the number of subscribers for the specified shard level channel(s)"});
}

constexpr std::uint32_t kSubscriber = kPubsub | kNoscript | kLoading | kStale | kSubscribedContext;

inline const CommandSpec kPubsubSubcommands[] = {
    {"pubsub|channels", -2, kPubsub | kLoading | kStale, 0, 0, 0, pubsub_channels, "pubsub",
     "Returns the active channels.", "2.8.0", "O(N) where N is the number of active channels", "[pattern]",
     kAclPubsub},
    {"pubsub|numsub", -2, kPubsub | kLoading | kStale, 0, 0, 0, pubsub_numsub, "pubsub",
     "Returns a count of subscribers to channels.", "2.8.0",
     "O(N) for the NUMSUB subcommand, where N is the number of requested channels", "[channel [channel ...]]",
     kAclPubsub},
    {"pubsub|numpat", 2, kPubsub | kLoading | kStale, 0, 0, 0, pubsub_numpat, "pubsub",
     "Returns a count of unique pattern subscriptions.", "2.8.0", "O(1)", "", kAclPubsub},
    {"pubsub|shardchannels", -2, kPubsub | kLoading | kStale, 0, 0, 0, pubsub_shardchannels, "pubsub",
     "Returns the active shard channels.", "7.0.0", "O(N) where N is the number of active shard channels",
     "[pattern]", kAclPubsub},
    {"pubsub|shardnumsub", -2, kPubsub | kLoading | kStale, 0, 0, 0, pubsub_shardnumsub, "pubsub",
     "Returns the count of subscribers of shard channels.", "7.0.0",
     "O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard channels",
     "[shardchannel [shardchannel ...]]", kAclPubsub},
    {"pubsub|help", 2, kLoading | kStale, 0, 0, 0, pubsub_help, "pubsub",
     "Returns helpful text about the different subcommands.", "6.2.0", "O(1)", ""},
};

inline const CommandSpec kCommands[] = {
    {"subscribe", -2, kSubscriber, 0, 0, 0, subscribe, "pubsub", "Listens for messages published to channels.",
     "2.0.0", "O(N) where N is the number of channels to subscribe to.", "channel [channel ...]", kAclPubsub},
    {"unsubscribe", -1, kSubscriber, 0, 0, 0, unsubscribe, "pubsub",
     "Stops listening to messages posted to channels.", "2.0.0", "O(N) where N is the number of clients already "
     "subscribed to a channel.", "[channel [channel ...]]", kAclPubsub},
    {"psubscribe", -2, kSubscriber, 0, 0, 0, psubscribe, "pubsub",
     "Listens for messages published to channels that match one or more patterns.", "2.0.0",
     "O(N) where N is the number of patterns the client is already subscribed to.", "pattern [pattern ...]",
     kAclPubsub},
    {"punsubscribe", -1, kSubscriber, 0, 0, 0, punsubscribe, "pubsub",
     "Stops listening to messages published to channels that match one or more patterns.", "2.0.0",
     "O(N+M) where N is the number of patterns the client is already subscribed and M is the number of total "
     "patterns subscribed in the system (by any client).", "[pattern [pattern ...]]", kAclPubsub},
    {"publish", 3, kPubsub | kLoading | kStale | kFast | kMayReplicate, 0, 0, 0, publish, "pubsub",
     "Posts a message to a channel.", "2.0.0",
     "O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of "
     "subscribed patterns (by any client).", "channel message", kAclPubsub},
    {"ssubscribe", -2, kSubscriber, 1, -1, 1, ssubscribe, "pubsub", "Listens for messages published to shard channels.",
     "7.0.0", "O(N) where N is the number of shard channels to subscribe to.", "shardchannel [shardchannel ...]",
     kAclPubsub},
    {"sunsubscribe", -1, kSubscriber, 1, -1, 1, sunsubscribe, "pubsub",
     "Stops listening to messages posted to shard channels.", "7.0.0",
     "O(N) where N is the number of clients already subscribed to a shard channel.",
     "[shardchannel [shardchannel ...]]", kAclPubsub},
    {"spublish", 3, kPubsub | kLoading | kStale | kFast | kMayReplicate, 1, 1, 1, spublish, "pubsub",
     "Post a message to a shard channel", "7.0.0",
     "O(N) where N is the number of clients subscribed to the receiving shard channel.", "shardchannel message",
     kAclPubsub},
    {"pubsub", -2, 0, 0, 0, 0, nullptr, "pubsub", "A container for Pub/Sub commands.", "2.8.0",
     "Depends on subcommand.", "", 0, kPubsubSubcommands, sizeof kPubsubSubcommands / sizeof kPubsubSubcommands[0]},
};

}  // namespace pubsub_cmds

MICROREDIS_INLINE bool register_pubsub_commands(CommandTable& table) { return table.add(pubsub_cmds::kCommands); }

}  // namespace microredis

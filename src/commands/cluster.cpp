// CLUSTER and its subcommands, ASKING, READONLY, READWRITE: the cluster group of a server that
// runs standalone. microredis has no cluster mode; redis-server with `cluster-enabled no` (its
// default) refuses every one of these commands with the same error, and so does microredis. The
// table still declares them with Redis's arities and flags, so that COMMAND lists them, arity and
// unknown-subcommand errors match, and the flags hold (CLUSTER RESET is refused in a script as
// "command is not allowed", before its handler runs).
#include "microredis/commands.hpp"
#include "microredis/engine.hpp"

namespace microredis {
namespace cluster_cmds {

inline void cluster_disabled(Context& c) { c.out.error(Status::cluster_disabled); }

constexpr std::uint32_t kAdminStale = kNoAsyncLoading | kAdmin | kStale;

// Redis 7.0's subcommands, in its table's order.
inline const CommandSpec kClusterSubcommands[] = {
    {"cluster|addslots", -3, kAdminStale, 0, 0, 0, cluster_disabled, "cluster", "Assigns new hash slots to a node.",
     "3.0.0", "O(N) where N is the total number of hash slot arguments", "slot [slot ...]"},
    {"cluster|addslotsrange", -4, kAdminStale, 0, 0, 0, cluster_disabled, "cluster",
     "Assigns new hash slot ranges to a node.", "7.0.0",
     "O(N) where N is the total number of the slots between the start slot and end slot arguments.",
     "start-slot end-slot [start-slot end-slot ...]"},
    {"cluster|bumpepoch", 2, kAdminStale, 0, 0, 0, cluster_disabled, "cluster", "Advances the cluster config epoch.",
     "3.0.0", "O(1)", ""},
    {"cluster|count-failure-reports", 3, kAdmin | kStale, 0, 0, 0, cluster_disabled, "cluster",
     "Returns the number of active failure reports active for a node.", "3.0.0",
     "O(N) where N is the number of failure reports", "node-id"},
    {"cluster|countkeysinslot", 3, kStale, 0, 0, 0, cluster_disabled, "cluster",
     "Returns the number of keys in a hash slot.", "3.0.0", "O(1)", "slot"},
    {"cluster|delslots", -3, kAdminStale, 0, 0, 0, cluster_disabled, "cluster", "Sets hash slots as unbound for a node.",
     "3.0.0", "O(N) where N is the total number of hash slot arguments", "slot [slot ...]"},
    {"cluster|delslotsrange", -4, kAdminStale, 0, 0, 0, cluster_disabled, "cluster",
     "Sets hash slot ranges as unbound for a node.", "7.0.0",
     "O(N) where N is the total number of the slots between the start slot and end slot arguments.",
     "start-slot end-slot [start-slot end-slot ...]"},
    {"cluster|failover", -2, kAdminStale, 0, 0, 0, cluster_disabled, "cluster",
     "Forces a replica to perform a manual failover of its master.", "3.0.0", "O(1)", "[FORCE | TAKEOVER]"},
    {"cluster|flushslots", 2, kAdminStale, 0, 0, 0, cluster_disabled, "cluster", "Deletes all slots information from a node.",
     "3.0.0", "O(1)", ""},
    {"cluster|forget", 3, kAdminStale, 0, 0, 0, cluster_disabled, "cluster", "Removes a node from the nodes table.",
     "3.0.0", "O(1)", "node-id"},
    {"cluster|getkeysinslot", 4, kStale, 0, 0, 0, cluster_disabled, "cluster", "Returns the key names in a hash slot.",
     "3.0.0", "O(log(N)) where N is the number of requested keys", "slot count"},
    {"cluster|help", 2, kLoading | kStale, 0, 0, 0, cluster_disabled, "cluster",
     "Returns helpful text about the different subcommands.", "5.0.0", "O(1)", ""},
    {"cluster|info", 2, kStale, 0, 0, 0, cluster_disabled, "cluster", "Returns information about the state of a node.",
     "3.0.0", "O(1)", ""},
    {"cluster|keyslot", 3, kStale, 0, 0, 0, cluster_disabled, "cluster", "Returns the hash slot for a key.", "3.0.0",
     "O(N) where N is the number of bytes in the key", "key"},
    {"cluster|links", 2, kStale, 0, 0, 0, cluster_disabled, "cluster",
     "Returns a list of all TCP links to and from peer nodes.", "7.0.0",
     "O(N) where N is the total number of Cluster nodes", ""},
    {"cluster|meet", -4, kAdminStale, 0, 0, 0, cluster_disabled, "cluster", "Forces a node to handshake with another node.",
     "3.0.0", "O(1)", "ip port [cluster-bus-port]"},
    {"cluster|myid", 2, kStale, 0, 0, 0, cluster_disabled, "cluster", "Returns the ID of a node.", "3.0.0", "O(1)", ""},
    {"cluster|nodes", 2, kStale, 0, 0, 0, cluster_disabled, "cluster", "Returns the cluster configuration for a node.",
     "3.0.0", "O(N) where N is the total number of Cluster nodes", ""},
    {"cluster|replicas", 3, kAdmin | kStale, 0, 0, 0, cluster_disabled, "cluster",
     "Lists the replica nodes of a master node.", "5.0.0", "O(1)", "node-id"},
    {"cluster|replicate", 3, kAdminStale, 0, 0, 0, cluster_disabled, "cluster",
     "Configures a node as replica of a master node.", "3.0.0", "O(1)", "node-id"},
    {"cluster|reset", -2, kAdmin | kStale | kNoscript, 0, 0, 0, cluster_disabled, "cluster", "Resets a node.",
     "3.0.0", "O(N) where N is the number of known nodes. The command may execute a FLUSHALL as a side effect.",
     "[HARD | SOFT]"},
    {"cluster|saveconfig", 2, kAdminStale, 0, 0, 0, cluster_disabled, "cluster",
     "Forces a node to save the cluster configuration to disk.", "3.0.0", "O(1)", ""},
    {"cluster|set-config-epoch", 3, kAdminStale, 0, 0, 0, cluster_disabled, "cluster",
     "Sets the configuration epoch for a new node.", "3.0.0", "O(1)", "config-epoch"},
    {"cluster|setslot", -4, kAdminStale, 0, 0, 0, cluster_disabled, "cluster", "Binds a hash slot to a node.", "3.0.0",
     "O(1)", "slot <IMPORTING node-id | MIGRATING node-id | NODE node-id | STABLE>"},
    {"cluster|shards", 2, kStale, 0, 0, 0, cluster_disabled, "cluster",
     "Returns the mapping of cluster slots to shards.", "7.0.0", "O(N) where N is the total number of cluster nodes",
     ""},
    {"cluster|slaves", 3, kAdmin | kStale, 0, 0, 0, cluster_disabled, "cluster",
     "Lists the replica nodes of a master node (deprecated: CLUSTER REPLICAS).", "3.0.0", "O(1)", "node-id"},
    {"cluster|slots", 2, kStale, 0, 0, 0, cluster_disabled, "cluster",
     "Returns the mapping of cluster slots to nodes (deprecated: CLUSTER SHARDS).", "3.0.0",
     "O(N) where N is the total number of Cluster nodes", ""},
};

inline const CommandSpec kCommands[] = {
    {"cluster", -2, 0, 0, 0, 0, nullptr, "cluster", "A container for Redis Cluster commands.", "3.0.0",
     "Depends on subcommand.", "", 0, kClusterSubcommands, sizeof kClusterSubcommands / sizeof kClusterSubcommands[0]},
    {"asking", 1, kFast, 0, 0, 0, cluster_disabled, "cluster",
     "Signals that a cluster client is following an -ASK redirect.", "3.0.0", "O(1)", "", kAclConnection},
    {"readonly", 1, kFast | kLoading | kStale, 0, 0, 0, cluster_disabled, "cluster",
     "Enables read-only queries for a connection to a Redis Cluster replica node.", "3.0.0", "O(1)", "",
     kAclConnection},
    {"readwrite", 1, kFast | kLoading | kStale, 0, 0, 0, cluster_disabled, "cluster",
     "Enables read-write queries for a connection to a Redis Cluster replica node.", "3.0.0", "O(1)", "",
     kAclConnection},
};

}  // namespace cluster_cmds

MICROREDIS_INLINE bool register_cluster_commands(CommandTable& table) { return table.add(cluster_cmds::kCommands); }

}  // namespace microredis

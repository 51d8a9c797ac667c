package io.llmux.redis;

import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.Connection;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;

/**
 * A Jedis connection that puts a command on the wire without reading its reply, so that one thread sends and another
 * reads the replies, in the order sent ({@link #getUnflushedObject}). Jedis keeps its flush to itself; this is the
 * one reason for the subclass.
 */
public final class SendingConnection extends Connection {
    SendingConnection(HostAndPort at, JedisClientConfig config) {
        super(at, config);
    }

    /** Writes the command and flushes it to the socket; the reply is left for the reader. */
    public void send(CommandArguments command) {
        sendCommand(command);
        flush();
    }
}

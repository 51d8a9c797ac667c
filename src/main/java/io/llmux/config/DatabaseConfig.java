package io.llmux.config;

/** {@code database:} — where keys, teams, budgets and spend live; type NONE when there is no database. */
public record DatabaseConfig(
        Type type,
        String path,
        String host,
        int port,
        String user,
        String password,
        String name,
        String sslMode,
        int maxOpenConns) {

    public enum Type {
        NONE,
        EMBEDDED,
        POSTGRES
    }

    public DatabaseConfig {
        password = password == null ? "" : password;
    }

    public static DatabaseConfig none() {
        return new DatabaseConfig(Type.NONE, "./data/llmux", "localhost", 5432, "llmux", "", "llmux", "disable", 10);
    }

    public boolean configured() {
        return type != Type.NONE;
    }

    @Override
    public String toString() {
        return "DatabaseConfig[type=" + type + ", path=" + path + ", host=" + host + ", port=" + port + ", user=" + user
                + ", password=" + (password.isEmpty() ? "" : "****") + ", name=" + name + "]";
    }
}

package dev.jdax.nio;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Owners and groups as the JDK's Linux provider names them: an inode keeps numbers, and the names
 * are the host's ({@code /etc/passwd}, {@code /etc/group}, as getpwuid/getgrgid read them), the
 * number itself where the host has none (as {@code ls -l} shows it). The lookup service finds a
 * name, or a number written out, and answers UserPrincipalNotFoundException otherwise. A principal
 * of another provider is taken by its name.
 */
final class HostPrincipals extends UserPrincipalLookupService {
    /** A user or a group: its number and the name it shows; equal by kind and number, as the JDK's. */
    abstract static class Named {
        private final int id;
        private final String name;

        Named(int id, String name) {
            this.id = id;
            this.name = name;
        }

        int id() {
            return id;
        }

        public String getName() {
            return name;
        }

        @Override
        public boolean equals(Object o) {
            return o != null && o.getClass() == getClass() && ((Named) o).id == id;
        }

        @Override
        public int hashCode() {
            return Integer.hashCode(id);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static final class User extends Named implements UserPrincipal {
        User(int id, String name) {
            super(id, name);
        }
    }

    static final class Group extends Named implements GroupPrincipal {
        Group(int id, String name) {
            super(id, name);
        }
    }

    /** One database: number to name and name to number. */
    private record Names(Map<Integer, String> byId, Map<String, Integer> byName) {
        static Names read(Path file) {
            Map<Integer, String> byId = new HashMap<>();
            Map<String, Integer> byName = new HashMap<>();
            List<String> lines;
            try {
                lines = Files.readAllLines(file);
            } catch (IOException e) {
                lines = List.of(); // no such database: every principal is its number
            }
            for (String line : lines) {
                String[] f = line.split(":");
                if (f.length > 2 && !line.startsWith("#")) {
                    try {
                        int id = Integer.parseInt(f[2]);
                        byId.putIfAbsent(id, f[0]);
                        byName.putIfAbsent(f[0], id);
                    } catch (NumberFormatException ignored) {
                        // a malformed line names nobody
                    }
                }
            }
            return new Names(Map.copyOf(byId), Map.copyOf(byName));
        }
    }

    static final HostPrincipals INSTANCE = new HostPrincipals();

    private HostPrincipals() {
    }

    /** The host's databases, read at first use. */
    private static final class Databases {
        static final Names USERS = Names.read(Path.of("/etc/passwd"));
        static final Names GROUPS = Names.read(Path.of("/etc/group"));
    }

    private static Names users() {
        return Databases.USERS;
    }

    private static Names groups() {
        return Databases.GROUPS;
    }

    UserPrincipal user(int uid) {
        return new User(uid, users().byId().getOrDefault(uid, Integer.toString(uid)));
    }

    GroupPrincipal group(int gid) {
        return new Group(gid, groups().byId().getOrDefault(gid, Integer.toString(gid)));
    }

    /** The uid of a principal: ours carry it; another provider's is looked up by name. */
    int uidOf(UserPrincipal p) throws IOException {
        return p instanceof User u ? u.id() : id(users(), p.getName());
    }

    int gidOf(GroupPrincipal p) throws IOException {
        return p instanceof Group g ? g.id() : id(groups(), p.getName());
    }

    private static int id(Names names, String name) throws UserPrincipalNotFoundException {
        Integer id = names.byName().get(name);
        if (id != null) {
            return id;
        }
        try {
            return Integer.parseInt(name);
        } catch (NumberFormatException e) {
            throw new UserPrincipalNotFoundException(name);
        }
    }

    @Override
    public UserPrincipal lookupPrincipalByName(String name) throws IOException {
        return user(id(users(), name));
    }

    @Override
    public GroupPrincipal lookupPrincipalByGroupName(String group) throws IOException {
        return group(id(groups(), group));
    }
}

package dev.jdax.nio;

/** glob → regex, with the JDK's glob syntax (FileSystem.getPathMatcher): * ? ** [..] {a,b} and escapes. */
final class Globs {
    private Globs() {
    }

    static String toRegex(String glob) {
        StringBuilder sb = new StringBuilder("^");
        boolean inGroup = false;
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            switch (c) {
                case '*' -> {
                    if (i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
                        sb.append(".*");
                        i++;
                    } else {
                        sb.append("[^/]*");
                    }
                }
                case '?' -> sb.append("[^/]");
                case '{' -> {
                    sb.append("(?:");
                    inGroup = true;
                }
                case '}' -> {
                    sb.append(")");
                    inGroup = false;
                }
                case ',' -> sb.append(inGroup ? "|" : ",");
                case '[' -> {
                    int end = glob.indexOf(']', i + 1);
                    if (end < 0) {
                        throw new java.util.regex.PatternSyntaxException("unclosed [", glob, i);
                    }
                    String cls = glob.substring(i + 1, end);
                    sb.append('[').append(cls.startsWith("!") ? "^" + cls.substring(1) : cls).append(']');
                    i = end;
                }
                case '\\' -> {
                    if (i + 1 < glob.length()) {
                        sb.append(java.util.regex.Pattern.quote(String.valueOf(glob.charAt(++i))));
                    }
                }
                default -> sb.append(Character.isLetterOrDigit(c) ? String.valueOf(c) : java.util.regex.Pattern.quote(String.valueOf(c)));
            }
        }
        return sb.append('$').toString();
    }
}

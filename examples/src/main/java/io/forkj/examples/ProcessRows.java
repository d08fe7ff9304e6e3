package io.forkj.examples;

import io.forkj.FiveState;
import io.forkj.ProcessInfo;
import io.forkj.ProcessTable;
import io.forkj.ThreeState;

import java.io.PrintStream;
import java.util.List;
import java.util.Optional;

/** How the ps, zombies and orphans commands print processes: one table layout and one JSON layout. */
final class ProcessRows {
    private ProcessRows() {
    }

    /** One process with its lifecycle states, sampled once. */
    record Row(ProcessInfo process, Optional<ThreeState> three, FiveState five) {
        static Row of(ProcessInfo p) {
            Optional<ThreeState> three = ProcessTable.threeState(p);
            return new Row(p, three, three.map(FiveState::of).orElse(FiveState.TERMINATED));
        }

        String flags() {
            String f = (process.isZombie() ? "zombie," : "") + (process.isOrphan() ? "orphan," : "");
            return f.isEmpty() ? "-" : f.substring(0, f.length() - 1);
        }
    }

    static void table(List<Row> rows, PrintStream out, String extraHeader, java.util.function.Function<Row, String> extra) {
        out.printf("%7s %7s %-5s %-8s %-10s %-14s %s%s%n", "PID", "PPID", "STAT", "THREE", "FIVE", "FLAGS", "COMMAND",
                extraHeader.isEmpty() ? "" : "  " + extraHeader);
        for (Row r : rows) {
            ProcessInfo p = r.process();
            out.printf("%7d %7d %-5s %-8s %-10s %-14s %s%s%n", p.pid(), p.ppid(), p.stat(),
                    r.three().map(Enum::name).orElse("-"), r.five(), r.flags(), printable(p.comm()),
                    extraHeader.isEmpty() ? "" : "  " + extra.apply(r));
        }
    }

    static void json(List<Row> rows, PrintStream out, java.util.function.Function<Row, String> extraFields) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            ProcessInfo p = r.process();
            b.append(i == 0 ? "\n  {" : ",\n  {")
                    .append("\"pid\": ").append(p.pid())
                    .append(", \"ppid\": ").append(p.ppid())
                    .append(", \"pgid\": ").append(p.pgid())
                    .append(", \"sid\": ").append(p.sid())
                    .append(", \"comm\": ").append(Json.string(p.comm()))
                    .append(", \"state\": ").append(Json.string(String.valueOf(p.state())))
                    .append(", \"stat\": ").append(Json.string(p.stat()))
                    .append(", \"threeState\": ").append(r.three().map(t -> Json.string(t.name())).orElse("null"))
                    .append(", \"fiveState\": ").append(Json.string(r.five().name()))
                    .append(", \"zombie\": ").append(p.isZombie())
                    .append(", \"orphan\": ").append(p.isOrphan())
                    .append(", \"startTime\": ").append(Json.string(p.startTime().toString()))
                    .append(extraFields.apply(r))
                    .append('}');
        }
        out.println(b.append(rows.isEmpty() ? "]" : "\n]"));
    }

    /** A command name made safe for one terminal line (names may hold newlines). */
    static String printable(String comm) {
        return comm.replace("\n", "\\n").replace("\t", "\\t");
    }
}

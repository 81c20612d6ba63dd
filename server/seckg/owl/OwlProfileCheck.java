/*
 * Loads ontology documents with the OWL API the way Protégé opens a file
 * (local catalog-v001.xml + folder scan for imports, lenient parsing, no
 * network) and prints what Protégé would complain about, plus OWL 2 DL profile
 * violations, as one JSON object per line on stdout.
 *
 * Run without a build step (Java 11+ single-file source launch):
 *   java -cp "$(ensure-owlapi.sh --classpath)" OwlProfileCheck.java [--resolve-dir=DIR] FILE [FILE...]
 * Each FILE is checked on its own, as if opened alone in Protégé; to check an
 * ontology together with its data, merge them into one document first
 * (seckg.owl.profile does that) and pass --resolve-dir=<the ontology's folder>
 * so imports still resolve through that folder's catalog-v001.xml.
 *
 * Line kinds: loaded, parse_error, missing_import, catalog_error,
 * unparsed_triple, illegal_punning, log_error / log_warning (what the OWL API
 * logs while loading; Protégé shows these in its log window),
 * guessed_declaration (info only, does not fail), profile_violation, summary.
 * Exit status: 0 clean, 1 findings, 2 usage error.
 *
 * Logging must reach java.util.logging (slf4j-jdk14 on the classpath): the OWL
 * API 5 parser only logs some unparsed triples (those left over after it built
 * an error entity for a broken construct) instead of putting them in
 * RDFParserMetaData, so the log is captured and turned into findings.
 */

import java.io.File;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Collectors;

import javax.xml.parsers.DocumentBuilderFactory;

import org.semanticweb.owlapi.apibinding.OWLManager;
import org.semanticweb.owlapi.formats.NTriplesDocumentFormat;
import org.semanticweb.owlapi.formats.RDFXMLDocumentFormat;
import org.semanticweb.owlapi.formats.RioTurtleDocumentFormat;
import org.semanticweb.owlapi.formats.TurtleDocumentFormat;
import org.semanticweb.owlapi.io.FileDocumentSource;
import org.semanticweb.owlapi.io.OWLOntologyLoaderMetaData;
import org.semanticweb.owlapi.io.OWLParser;
import org.semanticweb.owlapi.io.OWLParserException;
import org.semanticweb.owlapi.io.RDFParserMetaData;
import org.semanticweb.owlapi.io.RDFTriple;
import org.semanticweb.owlapi.io.UnparsableOntologyException;
import org.semanticweb.owlapi.model.IRI;
import org.semanticweb.owlapi.model.MissingImportHandlingStrategy;
import org.semanticweb.owlapi.model.OWLDocumentFormat;
import org.semanticweb.owlapi.model.OWLOntology;
import org.semanticweb.owlapi.model.OWLOntologyCreationException;
import org.semanticweb.owlapi.model.OWLOntologyIRIMapper;
import org.semanticweb.owlapi.model.OWLOntologyLoaderConfiguration;
import org.semanticweb.owlapi.model.OWLOntologyManager;
import org.semanticweb.owlapi.model.parameters.Imports;
import org.semanticweb.owlapi.profiles.OWL2DLProfile;
import org.semanticweb.owlapi.profiles.OWLProfileReport;
import org.semanticweb.owlapi.profiles.OWLProfileViolation;
import org.semanticweb.owlapi.util.AutoIRIMapper;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

public class OwlProfileCheck {

    /** Findings that make the exit status non-zero (guessed declarations are info). */
    private static int failures = 0;

    public static void main(String[] args) {
        File resolveDir = null;
        List<String> files = new ArrayList<>();
        for (String arg : args) {
            if (arg.startsWith("--resolve-dir=")) {
                resolveDir = new File(arg.substring("--resolve-dir=".length())).getAbsoluteFile();
            } else {
                files.add(arg);
            }
        }
        if (files.isEmpty()) {
            System.err.println("usage: java -cp <owlapi jars> OwlProfileCheck.java [--resolve-dir=DIR] FILE [FILE...]");
            System.exit(2);
        }
        LogCapture capture = LogCapture.install();
        for (String arg : files) {
            File file = new File(arg).getAbsoluteFile();
            File dir = resolveDir != null ? resolveDir : file.getParentFile();
            if (!file.isFile()) {
                emit(fail("parse_error", file, "message", "no such file"));
                continue;
            }
            capture.records.clear();
            try {
                check(file, dir, capture);
            } catch (Throwable t) {
                // A broken classpath or parser bug must still come out as a finding, not a stack trace.
                emit(fail("parse_error", file, "parser", t.getClass().getSimpleName(),
                        "message", firstLines(String.valueOf(t.getMessage()), 5)));
            }
        }
        emit(obj("kind", "summary", "failures", failures, "files", files.size()));
        System.out.flush();
        System.exit(failures == 0 ? 0 : 1);
    }

    /** One fresh manager per file, so files are judged independently, as Protégé opens them. */
    private static void check(File file, File dir, LogCapture capture) {
        OWLOntologyManager manager = OWLManager.createOWLOntologyManager();
        // Lenient like Protégé, but keep illegal punnings as they are: the default repair
        // would silently rewrite them and hide exactly what the DL check must report.
        OWLOntologyLoaderConfiguration config = new OWLOntologyLoaderConfiguration()
                .setMissingImportHandlingStrategy(MissingImportHandlingStrategy.SILENT)
                .setRepairIllegalPunnings(false)
                .setStrict(false)
                .setReportStackTraces(false);
        manager.setOntologyLoaderConfiguration(config);
        manager.getIRIMappers().set(new OfflineMapper(dir));
        manager.addMissingImportListener(event -> {
            OWLOntologyCreationException cause = event.getCreationException();
            String message = firstLine(cause == null ? "" : cause.getMessage());
            if (message.contains(OfflineMapper.UNRESOLVED)) {
                message = "not resolvable offline: no entry in " + new File(dir, "catalog-v001.xml")
                        + " and no ontology file in that folder declares this IRI";
            }
            emit(fail("missing_import", file,
                    "import", event.getImportedOntologyURI().toString(), "message", message));
        });

        OWLOntology ontology;
        try {
            ontology = manager.loadOntologyFromOntologyDocument(file);
        } catch (UnparsableOntologyException e) {
            reportUnparsable(file, e);
            return;
        } catch (OWLOntologyCreationException | RuntimeException e) {
            emit(fail("parse_error", file, "parser", e.getClass().getSimpleName(),
                    "message", firstLines(String.valueOf(e.getMessage()), 5)));
            return;
        }
        OWLDocumentFormat format = manager.getOntologyFormat(ontology);
        OWLDocumentFormat expected = expectedFormat(file);
        if (expected != null && format != null && !sameSyntax(expected, format)) {
            // OWL API falls back to any parser that accepts the bytes (broken Turtle often
            // "parses" as OBO); the error of the parser for the file's own syntax is the real one.
            emit(fail("parse_error", file, "parser", format.getKey(),
                    "message", "not valid " + expected.getKey() + "; OWL API fell back to " + format.getKey()));
            reparseStrictly(file, dir, expected);
            if (expected instanceof TurtleDocumentFormat) {
                reparseStrictly(file, dir, new RioTurtleDocumentFormat());
            }
            return;
        }
        for (String problem : OfflineMapper.catalogProblems(dir)) {
            emit(fail("catalog_error", file, "message", problem));
        }

        emit(obj("kind", "loaded", "file", file.getPath(),
                "ontology", ontology.getOntologyID().getOntologyIRI().map(IRI::toString).orElse(""),
                "format", format == null ? "" : format.getKey(),
                "axioms", ontology.getAxiomCount(Imports.INCLUDED),
                "imports", ontology.importsDeclarations().count()));

        Set<String> unparsedSeen = new TreeSet<>();
        for (OWLOntology o : ontology.getImportsClosure()) {
            reportParserMetaData(file, o, manager.getOntologyFormat(o), unparsedSeen);
        }
        reportLog(file, capture, unparsedSeen);

        OWLProfileReport report = new OWL2DLProfile().checkOntology(ontology);
        for (OWLProfileViolation v : report.getViolations()) {
            emit(fail("profile_violation", file,
                    "violation", v.getClass().getSimpleName(),
                    "ontology", v.getOntologyID().getOntologyIRI().map(IRI::toString).orElse(""),
                    "axiom", v.getAxiom() == null ? "" : v.getAxiom().toString(),
                    "message", oneLine(v.toString())));
        }
    }

    /** Unparsed triples and illegal punnings are what Protégé shows as load warnings or stray annotations. */
    private static void reportParserMetaData(File file, OWLOntology ontology, OWLDocumentFormat format,
            Set<String> unparsedSeen) {
        if (format == null) {
            return;
        }
        Optional<OWLOntologyLoaderMetaData> meta = format.getOntologyLoaderMetaData();
        if (!meta.isPresent() || !(meta.get() instanceof RDFParserMetaData)) {
            return;
        }
        RDFParserMetaData rdf = (RDFParserMetaData) meta.get();
        String ontologyIri = ontology.getOntologyID().getOntologyIRI().map(IRI::toString).orElse("");
        List<RDFTriple> unparsed = rdf.getUnparsedTriples().sorted().collect(Collectors.toList());
        for (RDFTriple t : unparsed) {
            unparsedSeen.add(t.getSubject() + " -> " + t.getPredicate() + " -> " + t.getObject());
            emit(fail("unparsed_triple", file, "ontology", ontologyIri,
                    "subject", t.getSubject().toString(),
                    "predicate", t.getPredicate().toString(),
                    "object", t.getObject().toString()));
        }
        Collection<IRI> punned = OWLDocumentFormat.determineIllegalPunnings(true,
                ontology.signature(), ontology.getPunnedIRIs(Imports.INCLUDED));
        for (IRI iri : punned) {
            emit(fail("illegal_punning", file, "ontology", ontologyIri, "iri", iri.toString(),
                    "message", "IRI used as more than one kind of property (or property and datatype)"));
        }
        rdf.getGuessedDeclarations().asMap().forEach((iri, kinds) -> emit(obj(
                "kind", "guessed_declaration", "file", file.getPath(), "ontology", ontologyIri,
                "iri", iri.toString(),
                "as", kinds.stream().map(Class::getSimpleName).sorted().collect(Collectors.joining(",")))));
    }

    /** Turns captured OWL API log records into findings; unparsed triples already reported are skipped. */
    private static void reportLog(File file, LogCapture capture, Set<String> unparsedSeen) {
        String prefix = "Unparsed triple: ";
        for (LogRecord r : capture.records) {
            String message = r.getMessage() == null ? "" : r.getMessage();
            if (message.startsWith(prefix)) {
                String triple = message.substring(prefix.length()).strip();
                if (unparsedSeen.add(triple)) {
                    String[] spo = triple.split(" -> ", 3);
                    emit(fail("unparsed_triple", file, "ontology", "",
                            "subject", spo[0], "predicate", spo.length > 1 ? spo[1] : "",
                            "object", spo.length > 2 ? spo[2] : ""));
                }
            } else if (r.getLevel().intValue() >= Level.SEVERE.intValue()) {
                emit(fail("log_error", file, "logger", r.getLoggerName(), "message", oneLine(message)));
            } else if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
                emit(fail("log_warning", file, "logger", r.getLoggerName(), "message", oneLine(message)));
            }
        }
    }

    /** Keeps the OWL API's log records (via slf4j-jdk14) in memory instead of printing them. */
    static final class LogCapture extends Handler {
        final List<LogRecord> records = new ArrayList<>();

        static LogCapture install() {
            LogManager.getLogManager().reset();
            Logger root = Logger.getLogger("");
            LogCapture capture = new LogCapture();
            capture.setLevel(Level.INFO);
            root.addHandler(capture);
            root.setLevel(Level.INFO);
            return capture;
        }

        @Override
        public void publish(LogRecord record) {
            if (isLoggable(record)) {
                records.add(record);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }

    /** The syntax a file's extension promises; null when the extension says nothing. */
    private static OWLDocumentFormat expectedFormat(File file) {
        String name = file.getName().toLowerCase();
        if (name.endsWith(".ttl")) {
            return new TurtleDocumentFormat();
        }
        if (name.endsWith(".nt")) {
            return new NTriplesDocumentFormat();
        }
        if (name.endsWith(".owl") || name.endsWith(".rdf")) {
            return new RDFXMLDocumentFormat();
        }
        return null;
    }

    /** Rio's and the OWL API's own parsers have separate format classes for one syntax; N-Triples is Turtle. */
    private static boolean sameSyntax(OWLDocumentFormat expected, OWLDocumentFormat actual) {
        String e = expected.getClass().getSimpleName().replace("DocumentFormat", "");
        String a = actual.getClass().getSimpleName().replace("DocumentFormat", "").replaceFirst("^Rio", "");
        if (e.equals("Turtle") || e.equals("NTriples")) {
            return a.equals("Turtle") || a.equals("NTriples");
        }
        return a.equals(e);
    }

    /** Parses again with only the parsers for the expected syntax, to get their error message. */
    private static void reparseStrictly(File file, File dir, OWLDocumentFormat expected) {
        OWLOntologyManager manager = OWLManager.createOWLOntologyManager();
        manager.setOntologyLoaderConfiguration(new OWLOntologyLoaderConfiguration()
                .setMissingImportHandlingStrategy(MissingImportHandlingStrategy.SILENT)
                .setReportStackTraces(false));
        manager.getIRIMappers().set(new OfflineMapper(dir));
        try {
            manager.loadOntologyFromOntologyDocument(new FileDocumentSource(file, expected));
        } catch (UnparsableOntologyException e) {
            reportUnparsable(file, e);
        } catch (OWLOntologyCreationException | RuntimeException e) {
            emit(fail("parse_error", file, "parser", e.getClass().getSimpleName(),
                    "message", firstLines(String.valueOf(e.getMessage()), 5)));
        }
    }

    /** One line per parser that failed, with the first lines of its message (they hold line and column). */
    private static void reportUnparsable(File file, UnparsableOntologyException e) {
        Map<OWLParser, OWLParserException> errors = e.getExceptions();
        for (Map.Entry<OWLParser, OWLParserException> entry : errors.entrySet()) {
            emit(fail("parse_error", file, "parser", entry.getKey().getClass().getSimpleName(),
                    "message", firstLines(String.valueOf(entry.getValue().getMessage()), 5)));
        }
        if (errors.isEmpty()) {
            emit(fail("parse_error", file, "parser", "", "message", firstLines(e.getMessage(), 5)));
        }
    }

    /**
     * Resolves imports only from local files, as Protégé does offline: entries of
     * catalog-v001.xml next to the file first, then ontologies found in that folder.
     * Any other http(s) import is pointed at a file that cannot exist, so it is
     * reported as missing instead of being fetched from the web.
     */
    static final class OfflineMapper implements OWLOntologyIRIMapper {
        private static final long serialVersionUID = 1L;
        static final String UNRESOLVED = "/nonexistent/offline-import-not-in-catalog-or-folder";
        private final Map<String, IRI> catalog;
        private final AutoIRIMapper folder;

        OfflineMapper(File dir) {
            this.catalog = readCatalog(new File(dir, "catalog-v001.xml"), new ArrayList<>());
            this.folder = new AutoIRIMapper(dir, false);
        }

        @Override
        public IRI getDocumentIRI(IRI ontologyIRI) {
            IRI mapped = catalog.get(ontologyIRI.toString());
            if (mapped != null) {
                return mapped;
            }
            mapped = folder.getDocumentIRI(ontologyIRI);
            if (mapped != null) {
                return mapped;
            }
            String scheme = ontologyIRI.getScheme();
            if ("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme)) {
                return IRI.create(new File(UNRESOLVED).toURI());
            }
            return null;
        }

        /** Problems with the catalog itself (unreadable, entries pointing at absent files). */
        static List<String> catalogProblems(File dir) {
            List<String> problems = new ArrayList<>();
            readCatalog(new File(dir, "catalog-v001.xml"), problems);
            return problems;
        }

        /** Reads uri entries of an OASIS XML catalog, honouring xml:base and nested groups. */
        private static Map<String, IRI> readCatalog(File catalogFile, List<String> problems) {
            Map<String, IRI> map = new LinkedHashMap<>();
            if (!catalogFile.isFile()) {
                return map;
            }
            try {
                DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
                f.setNamespaceAware(true);
                f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
                Element root = f.newDocumentBuilder().parse(catalogFile).getDocumentElement();
                walkCatalog(root, catalogFile.getParentFile().toURI(), map, problems);
            } catch (Exception e) {
                problems.add(catalogFile + ": " + e.getMessage());
            }
            return map;
        }

        private static void walkCatalog(Element element, java.net.URI base, Map<String, IRI> map,
                List<String> problems) {
            String xmlBase = element.getAttributeNS("http://www.w3.org/XML/1998/namespace", "base");
            if (!xmlBase.isEmpty()) {
                base = base.resolve(xmlBase);
            }
            if ("uri".equals(element.getLocalName())) {
                String name = element.getAttribute("name");
                java.net.URI target = base.resolve(element.getAttribute("uri"));
                if ("file".equals(target.getScheme()) && !new File(target).isFile()) {
                    problems.add("catalog maps " + name + " to missing file " + target);
                }
                map.put(name, IRI.create(target));
            }
            NodeList children = element.getChildNodes();
            for (int i = 0; i < children.getLength(); i++) {
                Node child = children.item(i);
                if (child instanceof Element) {
                    walkCatalog((Element) child, base, map, problems);
                }
            }
        }
    }

    // ---- tiny JSON writer (the OWL API classpath has no JSON library we want to depend on) ----

    private static Map<String, Object> fail(String kind, File file, Object... rest) {
        failures++;
        Object[] all = new Object[rest.length + 4];
        all[0] = "kind";
        all[1] = kind;
        all[2] = "file";
        all[3] = file.getPath();
        System.arraycopy(rest, 0, all, 4, rest.length);
        return obj(all);
    }

    private static Map<String, Object> obj(Object... keyValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i + 1 < keyValues.length; i += 2) {
            m.put((String) keyValues[i], keyValues[i + 1]);
        }
        return m;
    }

    private static void emit(Map<String, Object> m) {
        StringBuilder sb = new StringBuilder("{");
        for (Map.Entry<String, Object> e : m.entrySet()) {
            if (sb.length() > 1) {
                sb.append(", ");
            }
            sb.append(quote(e.getKey())).append(": ");
            Object v = e.getValue();
            sb.append(v instanceof Number ? v.toString() : quote(String.valueOf(v)));
        }
        System.out.println(sb.append('}'));
    }

    private static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"': sb.append("\\\""); break;
                case '\\': sb.append("\\\\"); break;
                case '\n': sb.append("\\n"); break;
                case '\r': sb.append("\\r"); break;
                case '\t': sb.append("\\t"); break;
                default:
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
            }
        }
        return sb.append('"').toString();
    }

    private static String oneLine(String s) {
        return s.replaceAll("\\s+", " ").trim();
    }

    private static String firstLine(String s) {
        return firstLines(s, 1);
    }

    private static String firstLines(String s, int n) {
        if (s == null) {
            return "";
        }
        String[] lines = s.strip().split("\\R");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(n, lines.length); i++) {
            if (i > 0) {
                sb.append('\n');
            }
            sb.append(lines[i].strip());
        }
        return sb.toString();
    }
}

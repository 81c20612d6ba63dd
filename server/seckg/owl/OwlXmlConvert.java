/*
 * Writes an ontology as OWL/XML with the OWL API (the only writer of the format
 * worth trusting; there is none in Python), and compares two ontology documents
 * axiom by axiom, so a committed OWL/XML file can be proved to say what the
 * Turtle says.
 *
 * Run without a build step (Java 11+ single-file source launch):
 *   java -cp "$(ensure-owlapi.sh --classpath)" OwlXmlConvert.java convert IN.ttl OUT.owx [NAME=NAMESPACE...]
 *   java -cp "$(ensure-owlapi.sh --classpath)" OwlXmlConvert.java compare A B
 *   java -cp "$(ensure-owlapi.sh --classpath)" OwlXmlConvert.java turtle IN OUT
 * turtle saves IN as Protégé does (the OWL API's Turtle writer), for tests of
 * `seckg fmt` on a file Protégé rewrote.
 * convert declares the prefixes given (else those of IN), so that the output
 * depends on the axioms and the prefixes chosen, not on how IN was written. compare prints one JSON object per line:
 * {"kind":"only_in","file":...,"axiom":...} for each axiom (or ontology
 * annotation, or differing ontology IRI / version IRI) found in one document
 * only (a declaration of an entity the other document uses in the same role
 * does not count), then {"kind":"summary","axioms":N,"differences":M}.
 * Exit status: 0 written / same, 1 different, 2 usage or load error.
 */

import java.io.File;
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import org.semanticweb.owlapi.apibinding.OWLManager;
import org.semanticweb.owlapi.formats.OWLXMLDocumentFormat;
import org.semanticweb.owlapi.formats.TurtleDocumentFormat;
import org.semanticweb.owlapi.model.OWLDataFactory;
import org.semanticweb.owlapi.model.OWLDeclarationAxiom;
import org.semanticweb.owlapi.model.OWLDocumentFormat;
import org.semanticweb.owlapi.model.OWLOntology;
import org.semanticweb.owlapi.model.OWLOntologyManager;

public class OwlXmlConvert {

    private static OWLOntology load(OWLOntologyManager manager, String path) throws Exception {
        return manager.loadOntologyFromOntologyDocument(new File(path));
    }

    private static String json(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }

    /** Ontology annotations and IDs, as comparable strings (axioms are compared as objects). */
    private static Set<String> header(OWLOntology ontology) {
        Set<String> items = new TreeSet<>();
        ontology.annotations().forEach(a -> items.add("OntologyAnnotation(" + a + ")"));
        items.add("OntologyID(" + ontology.getOntologyID() + ")");
        return items;
    }

    /**
     * What `ontology` has and `other` lacks. A declaration is not counted when the other
     * document uses the entity in that role anyway (the OWL/XML writer declares the named
     * individuals that Turtle types only by rdf:type; the parsed meaning is the same).
     */
    private static Set<String> missingFrom(OWLOntology ontology, OWLOntology other) {
        Set<String> missing = new TreeSet<>();
        ontology.axioms().filter(axiom -> !other.containsAxiom(axiom)).forEach(axiom -> {
            if (axiom instanceof OWLDeclarationAxiom
                    && other.containsEntityInSignature(((OWLDeclarationAxiom) axiom).getEntity())) {
                return;
            }
            missing.add(axiom.toString());
        });
        Set<String> otherHeader = header(other);
        header(ontology).stream().filter(item -> !otherHeader.contains(item)).forEach(missing::add);
        return missing;
    }

    private static int convert(String in, String out, String[] prefixes) throws Exception {
        OWLOntologyManager manager = OWLManager.createOWLOntologyManager();
        OWLOntology ontology = load(manager, in);
        // The writer would declare undeclared entities itself, in hash order; declared here,
        // they are written sorted with the others, so the file is the same on every run.
        OWLDataFactory factory = manager.getOWLDataFactory();
        List<OWLDeclarationAxiom> declarations = ontology.signature()
                .filter(entity -> !entity.isBuiltIn() && !ontology.isDeclared(entity))
                .map(factory::getOWLDeclarationAxiom)
                .collect(Collectors.toList());
        ontology.addAxioms(declarations);
        OWLXMLDocumentFormat format = new OWLXMLDocumentFormat();
        format.setAddMissingTypes(false);  // write the axioms the source has, no more
        OWLDocumentFormat source = manager.getOntologyFormat(ontology);
        if (prefixes.length > 0) {
            for (String prefix : prefixes) {
                int split = prefix.indexOf('=');
                format.setPrefix(prefix.substring(0, split) + ":", prefix.substring(split + 1));
            }
        } else if (source != null && source.isPrefixOWLDocumentFormat()) {
            format.copyPrefixesFrom(source.asPrefixOWLDocumentFormat());
        }
        try (OutputStream stream = new FileOutputStream(out)) {
            manager.saveOntology(ontology, format, stream);
        }
        return 0;
    }

    /** Save as Turtle the way Protégé does (the OWL API's Turtle writer, the source's prefixes). */
    private static int turtle(String in, String out) throws Exception {
        OWLOntologyManager manager = OWLManager.createOWLOntologyManager();
        OWLOntology ontology = load(manager, in);
        TurtleDocumentFormat format = new TurtleDocumentFormat();
        OWLDocumentFormat source = manager.getOntologyFormat(ontology);
        if (source != null && source.isPrefixOWLDocumentFormat()) {
            format.copyPrefixesFrom(source.asPrefixOWLDocumentFormat());
        }
        try (OutputStream stream = new FileOutputStream(out)) {
            manager.saveOntology(ontology, format, stream);
        }
        return 0;
    }

    private static int compare(String a, String b) throws Exception {
        OWLOntology first = load(OWLManager.createOWLOntologyManager(), a);
        OWLOntology second = load(OWLManager.createOWLOntologyManager(), b);
        int differences = 0;
        for (String[] side : new String[][] {{a, "0"}, {b, "1"}}) {
            OWLOntology mine = side[1].equals("0") ? first : second;
            OWLOntology theirs = side[1].equals("0") ? second : first;
            for (String item : missingFrom(mine, theirs)) {
                System.out.println("{\"kind\":\"only_in\",\"file\":" + json(side[0]) + ",\"axiom\":" + json(item) + "}");
                differences++;
            }
        }
        System.out.println("{\"kind\":\"summary\",\"axioms\":" + first.getAxiomCount() + ",\"differences\":"
                + differences + "}");
        return differences == 0 ? 0 : 1;
    }

    public static void main(String[] args) {
        boolean convert = args.length >= 3 && args[0].equals("convert");
        boolean other = args.length == 3 && (args[0].equals("compare") || args[0].equals("turtle"));
        if (!convert && !other) {
            System.err.println("usage: OwlXmlConvert convert IN OUT [NAME=NAMESPACE...] | compare A B | turtle IN OUT");
            System.exit(2);
        }
        try {
            if (convert) {
                System.exit(convert(args[1], args[2], Arrays.copyOfRange(args, 3, args.length)));
            }
            System.exit(args[0].equals("compare") ? compare(args[1], args[2]) : turtle(args[1], args[2]));
        } catch (Exception error) {
            System.err.println(error);
            System.exit(2);
        }
    }
}

// OWL 2 DL profile check with the OWL API (the library Protégé uses), offline.
//
// Usage: java ProfileCheck FILE [FILE ...]
// For each file, prints one line
//   FILE<TAB>path<TAB>format=…<TAB>axioms=N<TAB>logical=N<TAB>unparsed=N<TAB>violations=N
// followed by one line per violation ("VIOLATION<TAB>…") and per triple the parser could not
// map to OWL ("UNPARSED<TAB>…"). Exits 1 when any file has a violation or an unparsed triple,
// 2 when a file cannot be loaded. Imports are never fetched: missing imports are silent and no
// redirect is followed, so the check runs without a network.

import java.io.File;
import java.util.List;
import java.util.stream.Collectors;

import org.semanticweb.owlapi.apibinding.OWLManager;
import org.semanticweb.owlapi.io.FileDocumentSource;
import org.semanticweb.owlapi.io.OWLOntologyLoaderMetaData;
import org.semanticweb.owlapi.io.RDFParserMetaData;
import org.semanticweb.owlapi.model.MissingImportHandlingStrategy;
import org.semanticweb.owlapi.model.OWLDocumentFormat;
import org.semanticweb.owlapi.model.OWLOntology;
import org.semanticweb.owlapi.model.OWLOntologyCreationException;
import org.semanticweb.owlapi.model.OWLOntologyManager;
import org.semanticweb.owlapi.profiles.OWL2DLProfile;
import org.semanticweb.owlapi.profiles.OWLProfileReport;
import org.semanticweb.owlapi.profiles.OWLProfileViolation;

public final class ProfileCheck {

    private ProfileCheck() {
    }

    /** A manager that never goes to the network. One per file: both renderings share an IRI. */
    static OWLOntologyManager offlineManager() {
        OWLOntologyManager manager = OWLManager.createOWLOntologyManager();
        manager.getOntologyConfigurator()
                .setMissingImportHandlingStrategy(MissingImportHandlingStrategy.SILENT)
                .setFollowRedirects(false);
        return manager;
    }

    public static void main(String[] args) {
        if (args.length == 0) {
            System.err.println("usage: ProfileCheck FILE [FILE ...]");
            System.exit(2);
        }
        boolean failed = false;
        for (String path : args) {
            OWLOntologyManager manager = offlineManager();
            OWLOntology ontology;
            try {
                ontology = manager.loadOntologyFromOntologyDocument(new FileDocumentSource(new File(path)));
            } catch (OWLOntologyCreationException e) {
                System.out.println("ERROR\t" + path + "\t" + e.getMessage().replace('\n', ' '));
                System.exit(2);
                return;
            }
            OWLDocumentFormat format = manager.getOntologyFormat(ontology);
            List<String> unparsed = List.of();
            if (format != null) {
                OWLOntologyLoaderMetaData meta = format.getOntologyLoaderMetaData().orElse(null);
                if (meta instanceof RDFParserMetaData) {
                    unparsed = ((RDFParserMetaData) meta).getUnparsedTriples()
                            .map(Object::toString).sorted().collect(Collectors.toList());
                }
            }
            OWLProfileReport report = new OWL2DLProfile().checkOntology(ontology);
            List<OWLProfileViolation> violations = report.getViolations();
            System.out.println("FILE\t" + path
                    + "\tformat=" + (format == null ? "?" : format.getKey())
                    + "\taxioms=" + ontology.getAxiomCount()
                    + "\tlogical=" + ontology.getLogicalAxiomCount()
                    + "\tunparsed=" + unparsed.size()
                    + "\tviolations=" + violations.size());
            for (OWLProfileViolation v : violations) {
                System.out.println("VIOLATION\t" + v.toString().replace('\n', ' '));
            }
            for (String triple : unparsed) {
                System.out.println("UNPARSED\t" + triple.replace('\n', ' '));
            }
            failed |= !violations.isEmpty() || !unparsed.isEmpty();
        }
        System.exit(failed ? 1 : 0);
    }
}

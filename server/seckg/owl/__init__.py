"""OWL checks of the ontology and data: OWL 2 DL profile (OWL API) and consistency (HermiT).

rdflib and pyshacl check shapes, not OWL semantics; these checks are what
Protégé and a DL reasoner would say about the same files.
"""

from .hermit import ReasonerError, ReasoningReport, check_consistency
from .merge import merge_files
from .profile import OwlApiUnavailable, ProfileReport, check_dl_profile, classpath

__all__ = [
    "OwlApiUnavailable",
    "ProfileReport",
    "ReasonerError",
    "ReasoningReport",
    "check_consistency",
    "check_dl_profile",
    "classpath",
    "merge_files",
]

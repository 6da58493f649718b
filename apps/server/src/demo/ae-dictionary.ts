import type { ArmCode } from './study-design.ts';

/**
 * A small MedDRA-like dictionary: preferred terms (British spelling, as MedDRA has them) under
 * their primary system organ class, with the verbatim terms investigators write for them and how
 * often they happen. Not MedDRA: no codes, no LLT/HLT hierarchy, and only about 60 terms.
 */

export interface AeTerm {
  /** Preferred term (AEDECOD). */
  pt: string;
  /** System organ class (AEBODSYS). */
  soc: string;
  /** What investigators write (AETERM): case, spelling and wording vary. */
  verbatim: readonly string[];
  /** Expected events per placebo subject over 24 weeks (a Poisson mean). */
  rate: number;
  /** Rate multipliers for the low and high dose: above 1 for drug-related terms. */
  low?: number;
  high?: number;
  /** Probability that one event is serious. */
  serious: number;
  /** Median duration in days. */
  days: number;
  /** Only reported alongside a planted liver-test abnormality, so AE and LB agree. */
  labDriven?: boolean;
  /** Can be the event a death is attributed to. */
  fatal?: boolean;
}

const GI = 'Gastrointestinal disorders';
const NERVOUS = 'Nervous system disorders';
const INFECTIONS = 'Infections and infestations';
const GENERAL = 'General disorders and administration site conditions';
const MUSCULOSKELETAL = 'Musculoskeletal and connective tissue disorders';
const SKIN = 'Skin and subcutaneous tissue disorders';
const RESPIRATORY = 'Respiratory, thoracic and mediastinal disorders';
const INVESTIGATIONS = 'Investigations';
const PSYCHIATRIC = 'Psychiatric disorders';
const VASCULAR = 'Vascular disorders';
const CARDIAC = 'Cardiac disorders';
const METABOLISM = 'Metabolism and nutrition disorders';
const HEPATOBILIARY = 'Hepatobiliary disorders';
const BLOOD = 'Blood and lymphatic system disorders';
const INJURY = 'Injury, poisoning and procedural complications';
const RENAL = 'Renal and urinary disorders';
const EAR = 'Ear and labyrinth disorders';

// biome-ignore format: one term per line reads as a table
export const AE_TERMS: readonly AeTerm[] = [
  { pt: 'Nausea', soc: GI, verbatim: ['Nausea', 'NAUSEA', 'nausea', 'Naussea', 'Feeling sick'], rate: 0.08, low: 1.8, high: 3.2, serious: 0.003, days: 5 },
  { pt: 'Diarrhoea', soc: GI, verbatim: ['Diarrhea', 'DIARRHEA', 'Diarrhoea', 'Loose stools', 'diarhea'], rate: 0.07, low: 1.5, high: 2.4, serious: 0.02, days: 3 },
  { pt: 'Vomiting', soc: GI, verbatim: ['Vomiting', 'VOMITING', 'Emesis'], rate: 0.03, low: 1.6, high: 2.8, serious: 0.05, days: 2 },
  { pt: 'Constipation', soc: GI, verbatim: ['Constipation', 'CONSTIPATION'], rate: 0.04, serious: 0.002, days: 7 },
  { pt: 'Abdominal pain', soc: GI, verbatim: ['Abdominal pain', 'ABDOMINAL PAIN', 'Stomach ache'], rate: 0.04, low: 1.2, high: 1.5, serious: 0.05, days: 4 },
  { pt: 'Abdominal pain upper', soc: GI, verbatim: ['Upper abdominal pain', 'Epigastric pain'], rate: 0.02, serious: 0.005, days: 4 },
  { pt: 'Dyspepsia', soc: GI, verbatim: ['Dyspepsia', 'Indigestion', 'Heartburn'], rate: 0.03, low: 1.3, high: 1.6, serious: 0, days: 6 },
  { pt: 'Dry mouth', soc: GI, verbatim: ['Dry mouth', 'DRY MOUTH'], rate: 0.015, low: 1.5, high: 2, serious: 0, days: 14 },
  { pt: 'Headache', soc: NERVOUS, verbatim: ['Headache', 'HEADACHE', 'headache', 'Head ache', 'Headaches'], rate: 0.11, low: 1.4, high: 2.1, serious: 0.002, days: 2 },
  { pt: 'Dizziness', soc: NERVOUS, verbatim: ['Dizziness', 'DIZZINESS', 'Dizzy', 'Dizzyness'], rate: 0.05, low: 1.6, high: 2.6, serious: 0.02, days: 3 },
  { pt: 'Somnolence', soc: NERVOUS, verbatim: ['Somnolence', 'Drowsiness'], rate: 0.02, low: 1.3, high: 1.8, serious: 0, days: 10 },
  { pt: 'Paraesthesia', soc: NERVOUS, verbatim: ['Paresthesia', 'Tingling in fingers', 'PARESTHESIA'], rate: 0.015, serious: 0, days: 10 },
  { pt: 'Dysgeusia', soc: NERVOUS, verbatim: ['Dysgeusia', 'Metallic taste', 'Taste disturbance'], rate: 0.01, low: 2, high: 3, serious: 0, days: 20 },
  { pt: 'Syncope', soc: NERVOUS, verbatim: ['Syncope', 'Fainting', 'SYNCOPE'], rate: 0.015, serious: 0.4, days: 1 },
  { pt: 'Cerebrovascular accident', soc: NERVOUS, verbatim: ['Stroke', 'CVA', 'Cerebrovascular accident'], rate: 0.002, serious: 1, days: 20, fatal: true },
  { pt: 'Nasopharyngitis', soc: INFECTIONS, verbatim: ['Nasopharyngitis', 'Common cold', 'COLD', 'Nasopharingitis'], rate: 0.1, serious: 0, days: 6 },
  { pt: 'Upper respiratory tract infection', soc: INFECTIONS, verbatim: ['URTI', 'Upper respiratory infection', 'Upper respiratory tract infection'], rate: 0.06, serious: 0.005, days: 7 },
  { pt: 'Urinary tract infection', soc: INFECTIONS, verbatim: ['UTI', 'Urinary tract infection', 'URINARY TRACT INFECTION'], rate: 0.04, serious: 0.05, days: 7 },
  { pt: 'Influenza', soc: INFECTIONS, verbatim: ['Influenza', 'Flu', 'FLU'], rate: 0.03, serious: 0.05, days: 7 },
  { pt: 'Bronchitis', soc: INFECTIONS, verbatim: ['Bronchitis', 'Acute bronchitis'], rate: 0.02, serious: 0.06, days: 10 },
  { pt: 'Sinusitis', soc: INFECTIONS, verbatim: ['Sinusitis', 'Sinus infection'], rate: 0.02, serious: 0, days: 10 },
  { pt: 'COVID-19', soc: INFECTIONS, verbatim: ['COVID-19', 'Covid 19 infection', 'COVID-19 INFECTION'], rate: 0.03, serious: 0.15, days: 9 },
  { pt: 'Pneumonia', soc: INFECTIONS, verbatim: ['Pneumonia', 'PNEUMONIA', 'Community acquired pneumonia'], rate: 0.02, serious: 0.7, days: 14, fatal: true },
  { pt: 'Gastroenteritis', soc: INFECTIONS, verbatim: ['Gastroenteritis', 'Stomach flu', 'GASTROENTERITIS'], rate: 0.03, serious: 0.2, days: 4 },
  { pt: 'Cellulitis', soc: INFECTIONS, verbatim: ['Cellulitis', 'Cellulitis left leg'], rate: 0.015, serious: 0.35, days: 12 },
  { pt: 'Sepsis', soc: INFECTIONS, verbatim: ['Sepsis', 'Urosepsis'], rate: 0.002, serious: 1, days: 14, fatal: true },
  { pt: 'Fatigue', soc: GENERAL, verbatim: ['Fatigue', 'FATIGUE', 'Tiredness', 'Tired'], rate: 0.07, low: 1.3, high: 1.8, serious: 0, days: 12 },
  { pt: 'Pyrexia', soc: GENERAL, verbatim: ['Fever', 'Pyrexia', 'FEVER'], rate: 0.03, serious: 0.01, days: 3 },
  { pt: 'Oedema peripheral', soc: GENERAL, verbatim: ['Peripheral edema', 'Ankle swelling', 'EDEMA LEGS'], rate: 0.02, low: 1.2, high: 1.6, serious: 0, days: 20 },
  { pt: 'Asthenia', soc: GENERAL, verbatim: ['Asthenia', 'Weakness'], rate: 0.02, serious: 0, days: 10 },
  { pt: 'Non-cardiac chest pain', soc: GENERAL, verbatim: ['Chest pain, non cardiac', 'Atypical chest pain'], rate: 0.02, serious: 0.3, days: 2 },
  { pt: 'Arthralgia', soc: MUSCULOSKELETAL, verbatim: ['Arthralgia', 'Joint pain', 'JOINT PAIN'], rate: 0.05, serious: 0, days: 14 },
  { pt: 'Back pain', soc: MUSCULOSKELETAL, verbatim: ['Back pain', 'BACK PAIN', 'Lower back pain'], rate: 0.05, serious: 0.01, days: 10 },
  { pt: 'Myalgia', soc: MUSCULOSKELETAL, verbatim: ['Myalgia', 'Muscle pain', 'Muscle ache'], rate: 0.03, low: 1.2, high: 1.5, serious: 0, days: 7 },
  { pt: 'Pain in extremity', soc: MUSCULOSKELETAL, verbatim: ['Leg pain', 'Pain in arm', 'Pain in extremity'], rate: 0.03, serious: 0, days: 7 },
  { pt: 'Muscle spasms', soc: MUSCULOSKELETAL, verbatim: ['Muscle spasms', 'Muscle cramps', 'Leg cramps'], rate: 0.02, serious: 0, days: 5 },
  { pt: 'Osteoarthritis', soc: MUSCULOSKELETAL, verbatim: ['Osteoarthritis of knee', 'Worsening osteoarthritis'], rate: 0.015, serious: 0.3, days: 30 },
  { pt: 'Rash', soc: SKIN, verbatim: ['Rash', 'RASH', 'Skin rash', 'Rash on arms'], rate: 0.03, low: 1.8, high: 2.7, serious: 0.01, days: 10 },
  { pt: 'Pruritus', soc: SKIN, verbatim: ['Pruritus', 'Itching', 'ITCHY SKIN'], rate: 0.03, low: 1.4, high: 1.9, serious: 0, days: 10 },
  { pt: 'Dry skin', soc: SKIN, verbatim: ['Dry skin', 'Xerosis'], rate: 0.015, serious: 0, days: 20 },
  { pt: 'Hyperhidrosis', soc: SKIN, verbatim: ['Hyperhidrosis', 'Excessive sweating'], rate: 0.01, serious: 0, days: 14 },
  { pt: 'Cough', soc: RESPIRATORY, verbatim: ['Cough', 'COUGH', 'Dry cough'], rate: 0.05, serious: 0, days: 9 },
  { pt: 'Dyspnoea', soc: RESPIRATORY, verbatim: ['Dyspnea', 'Shortness of breath', 'SOB'], rate: 0.02, serious: 0.1, days: 5 },
  { pt: 'Oropharyngeal pain', soc: RESPIRATORY, verbatim: ['Sore throat', 'Throat pain'], rate: 0.03, serious: 0, days: 4 },
  { pt: 'Rhinorrhoea', soc: RESPIRATORY, verbatim: ['Runny nose', 'Rhinorrhea'], rate: 0.015, serious: 0, days: 5 },
  { pt: 'Alanine aminotransferase increased', soc: INVESTIGATIONS, verbatim: ['ALT increased', 'Elevated ALT', 'ALT elevation', 'Raised SGPT'], rate: 0, serious: 0, days: 28, labDriven: true },
  { pt: 'Aspartate aminotransferase increased', soc: INVESTIGATIONS, verbatim: ['AST increased', 'Elevated AST', 'AST ELEVATED'], rate: 0, serious: 0, days: 28, labDriven: true },
  { pt: 'Blood creatinine increased', soc: INVESTIGATIONS, verbatim: ['Creatinine increased', 'Elevated serum creatinine'], rate: 0.01, serious: 0, days: 21 },
  { pt: 'Weight decreased', soc: INVESTIGATIONS, verbatim: ['Weight loss', 'Weight decreased'], rate: 0.01, low: 1.5, high: 2.5, serious: 0, days: 40 },
  { pt: 'Blood creatine phosphokinase increased', soc: INVESTIGATIONS, verbatim: ['CPK increased', 'Elevated CK'], rate: 0.01, serious: 0, days: 14 },
  { pt: 'Insomnia', soc: PSYCHIATRIC, verbatim: ['Insomnia', 'Difficulty sleeping', 'INSOMNIA'], rate: 0.04, low: 1.3, high: 1.7, serious: 0, days: 14 },
  { pt: 'Anxiety', soc: PSYCHIATRIC, verbatim: ['Anxiety', 'Feeling anxious'], rate: 0.02, serious: 0, days: 20 },
  { pt: 'Depression', soc: PSYCHIATRIC, verbatim: ['Depression', 'Depressed mood'], rate: 0.015, serious: 0.1, days: 40 },
  { pt: 'Hypertension', soc: VASCULAR, verbatim: ['Hypertension', 'High blood pressure', 'HTN'], rate: 0.03, low: 1.1, high: 1.4, serious: 0.03, days: 60 },
  { pt: 'Hypotension', soc: VASCULAR, verbatim: ['Hypotension', 'Low blood pressure'], rate: 0.01, serious: 0.1, days: 3 },
  { pt: 'Hot flush', soc: VASCULAR, verbatim: ['Hot flushes', 'Hot flashes'], rate: 0.01, serious: 0, days: 14 },
  { pt: 'Palpitations', soc: CARDIAC, verbatim: ['Palpitations', 'Heart racing'], rate: 0.015, low: 1.2, high: 1.5, serious: 0.05, days: 3 },
  { pt: 'Atrial fibrillation', soc: CARDIAC, verbatim: ['Atrial fibrillation', 'AFIB', 'A-fib'], rate: 0.012, serious: 0.45, days: 10 },
  { pt: 'Myocardial infarction', soc: CARDIAC, verbatim: ['Myocardial infarction', 'Heart attack', 'NSTEMI'], rate: 0.002, serious: 1, days: 10, fatal: true },
  { pt: 'Angina pectoris', soc: CARDIAC, verbatim: ['Angina', 'Angina pectoris', 'Unstable angina'], rate: 0.008, serious: 0.5, days: 5 },
  { pt: 'Cardiac failure', soc: CARDIAC, verbatim: ['Heart failure', 'CHF exacerbation', 'Congestive heart failure'], rate: 0.006, serious: 0.7, days: 14 },
  { pt: 'Decreased appetite', soc: METABOLISM, verbatim: ['Decreased appetite', 'Loss of appetite', 'Anorexia'], rate: 0.02, low: 1.7, high: 2.8, serious: 0, days: 14 },
  { pt: 'Hyperglycaemia', soc: METABOLISM, verbatim: ['Hyperglycemia', 'High blood sugar'], rate: 0.015, serious: 0.05, days: 20 },
  { pt: 'Hypokalaemia', soc: METABOLISM, verbatim: ['Hypokalemia', 'Low potassium'], rate: 0.01, serious: 0.02, days: 10 },
  { pt: 'Dehydration', soc: METABOLISM, verbatim: ['Dehydration'], rate: 0.008, low: 1.3, high: 1.8, serious: 0.3, days: 4 },
  { pt: 'Drug-induced liver injury', soc: HEPATOBILIARY, verbatim: ['Drug induced liver injury', 'DILI', 'Drug-induced hepatitis'], rate: 0, serious: 0.9, days: 45, labDriven: true },
  { pt: 'Cholestasis', soc: HEPATOBILIARY, verbatim: ['Cholestasis', 'Cholestatic liver injury'], rate: 0, serious: 0.3, days: 35, labDriven: true },
  { pt: 'Cholelithiasis', soc: HEPATOBILIARY, verbatim: ['Gallstones', 'Cholelithiasis'], rate: 0.01, serious: 0.4, days: 20 },
  { pt: 'Anaemia', soc: BLOOD, verbatim: ['Anemia', 'ANAEMIA', 'Low hemoglobin'], rate: 0.015, serious: 0.08, days: 30 },
  { pt: 'Neutropenia', soc: BLOOD, verbatim: ['Neutropenia', 'Low neutrophils'], rate: 0.008, low: 1.2, high: 1.6, serious: 0.05, days: 14 },
  { pt: 'Thrombocytopenia', soc: BLOOD, verbatim: ['Thrombocytopenia', 'Low platelets'], rate: 0.005, serious: 0.05, days: 14 },
  { pt: 'Fall', soc: INJURY, verbatim: ['Fall', 'Fell at home'], rate: 0.025, serious: 0.15, days: 1 },
  { pt: 'Contusion', soc: INJURY, verbatim: ['Bruise', 'Contusion'], rate: 0.02, serious: 0, days: 7 },
  { pt: 'Ligament sprain', soc: INJURY, verbatim: ['Ankle sprain', 'Sprained wrist'], rate: 0.01, serious: 0, days: 14 },
  { pt: 'Acute kidney injury', soc: RENAL, verbatim: ['Acute kidney injury', 'AKI', 'Acute renal failure'], rate: 0.008, serious: 0.6, days: 10 },
  { pt: 'Pollakiuria', soc: RENAL, verbatim: ['Frequent urination', 'Pollakiuria'], rate: 0.01, serious: 0, days: 20 },
  { pt: 'Vertigo', soc: EAR, verbatim: ['Vertigo', 'VERTIGO', 'Spinning sensation'], rate: 0.015, low: 1.2, high: 1.5, serious: 0, days: 4 },
];

/** Expected events over 24 weeks for a subject on this arm. */
export function armRate(term: AeTerm, arm: ArmCode): number {
  if (arm === 'PBO') return term.rate;
  return term.rate * ((arm === 'LOW' ? term.low : term.high) ?? 1);
}

export function aeTerm(pt: string): AeTerm {
  const term = AE_TERMS.find((candidate) => candidate.pt === pt);
  if (!term) throw new RangeError(`No preferred term "${pt}" in the demo dictionary`);
  return term;
}

/** Drug-related terms an AE discontinuation is attributed to (weighted by how often they occur on drug). */
export const WITHDRAWAL_TERMS = AE_TERMS.filter((term) => (term.high ?? 1) > 1.4 && !term.labDriven);
export const FATAL_TERMS = AE_TERMS.filter((term) => term.fatal);

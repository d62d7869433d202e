--
-- PostgreSQL database dump
--


-- Dumped from database version 15.20 (Debian 15.20-0+deb12u1)
-- Dumped by pg_dump version 15.20 (Debian 15.20-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: audit_append_only(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.audit_append_only() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    RAISE EXCEPTION 'audit entries are append-only';
END;
$$;


--
-- Name: audit_move_head(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.audit_move_head() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    INSERT INTO audit_heads (entity, entity_id, entity_seq, hash)
    VALUES (NEW.entity, NEW.entity_id, NEW.entity_seq, NEW.hash)
    ON CONFLICT (entity, entity_id) DO UPDATE SET entity_seq = excluded.entity_seq, hash = excluded.hash;
    RETURN NULL;
END;
$$;


--
-- Name: timers_notify(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.timers_notify() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    PERFORM pg_notify('labelflow_timers', '');
    RETURN NULL;
END;
$$;


SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: _sqlx_migrations; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public._sqlx_migrations (
    version bigint NOT NULL,
    description text NOT NULL,
    installed_on timestamp with time zone DEFAULT now() NOT NULL,
    success boolean NOT NULL,
    checksum bytea NOT NULL,
    execution_time bigint NOT NULL
);


--
-- Name: assignments; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.assignments (
    dossier_id text NOT NULL,
    user_id text NOT NULL,
    due_at bigint NOT NULL,
    assigned_by text,
    assigned_at bigint NOT NULL
);


--
-- Name: attachments; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.attachments (
    id text NOT NULL,
    dossier_id text NOT NULL,
    kind text NOT NULL,
    file_name text NOT NULL,
    content_type text NOT NULL,
    size bigint NOT NULL,
    sha256 text NOT NULL,
    uploaded_by text,
    uploaded_at bigint NOT NULL
);


--
-- Name: audit; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.audit (
    seq bigint NOT NULL,
    entity text NOT NULL,
    entity_id text NOT NULL,
    entity_seq bigint NOT NULL,
    at bigint NOT NULL,
    actor text NOT NULL,
    on_behalf_of text,
    action text NOT NULL,
    before_json text NOT NULL,
    after_json text NOT NULL,
    data_json text NOT NULL,
    prev_hash text NOT NULL,
    hash text NOT NULL
);


--
-- Name: audit_heads; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.audit_heads (
    entity text NOT NULL,
    entity_id text NOT NULL,
    entity_seq bigint NOT NULL,
    hash text NOT NULL
);


--
-- Name: audit_seq_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.audit_seq_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: audit_seq_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.audit_seq_seq OWNED BY public.audit.seq;


--
-- Name: calendar_feeds; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.calendar_feeds (
    user_id text NOT NULL,
    token_hash text NOT NULL,
    created_at bigint NOT NULL
);


--
-- Name: campaigns; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.campaigns (
    id text NOT NULL,
    name text NOT NULL,
    workflow text NOT NULL,
    criteria text NOT NULL,
    opens_at bigint NOT NULL,
    closes_at bigint NOT NULL,
    kinds text NOT NULL,
    created_at bigint NOT NULL
);


--
-- Name: decisions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.decisions (
    dossier_id text NOT NULL,
    outcome text NOT NULL,
    category text,
    years bigint,
    motivation text NOT NULL,
    excellence_override text,
    decided_by text,
    decided_at bigint NOT NULL
);


--
-- Name: dossier_academies; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.dossier_academies (
    dossier_id text NOT NULL,
    academie text NOT NULL
);


--
-- Name: dossier_owners; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.dossier_owners (
    dossier_id text NOT NULL,
    user_id text NOT NULL
);


--
-- Name: dossiers; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.dossiers (
    id text NOT NULL,
    campaign_id text NOT NULL,
    workflow text NOT NULL,
    state text NOT NULL,
    version bigint NOT NULL,
    kind text NOT NULL,
    renewal_of text,
    category text NOT NULL,
    title text NOT NULL,
    filiere text NOT NULL,
    region text NOT NULL,
    support_establishment text NOT NULL,
    directeur_operationnel text NOT NULL,
    endorsed_rectorat_by text,
    endorsed_rectorat_at bigint,
    endorsed_region_by text,
    endorsed_region_at bigint,
    completion_message text,
    completion_due bigint,
    created_by text,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL
);


--
-- Name: label_academies; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.label_academies (
    label_id text NOT NULL,
    academie text NOT NULL
);


--
-- Name: label_reports; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.label_reports (
    label_id text NOT NULL,
    year bigint NOT NULL,
    body text NOT NULL,
    submitted_by text,
    submitted_at bigint NOT NULL
);


--
-- Name: labels; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.labels (
    id text NOT NULL,
    dossier_id text,
    workflow text NOT NULL,
    state text NOT NULL,
    version bigint NOT NULL,
    title text NOT NULL,
    category text NOT NULL,
    filiere text NOT NULL,
    region text NOT NULL,
    valid_from text NOT NULL COLLATE pg_catalog."C",
    valid_until text NOT NULL COLLATE pg_catalog."C",
    renewal_of text,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL,
    import_key text,
    support_establishment text DEFAULT ''::text NOT NULL
);


--
-- Name: opinions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.opinions (
    dossier_id text NOT NULL,
    body text NOT NULL,
    opinion text NOT NULL,
    given_on text,
    recorded_by text,
    recorded_at bigint NOT NULL
);


--
-- Name: outbox; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.outbox (
    id text NOT NULL,
    entity text NOT NULL,
    entity_id text NOT NULL,
    template text NOT NULL,
    recipient_user_id text,
    recipient_email text NOT NULL,
    context text NOT NULL,
    status text DEFAULT 'pending'::text NOT NULL,
    attempts bigint DEFAULT 0 NOT NULL,
    next_attempt_at bigint NOT NULL,
    last_error text,
    created_at bigint NOT NULL,
    sent_at bigint,
    lease_until bigint
);


--
-- Name: partners; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.partners (
    id text NOT NULL,
    dossier_id text NOT NULL,
    name text NOT NULL,
    type text NOT NULL,
    created_at bigint NOT NULL
);


--
-- Name: recusals; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.recusals (
    dossier_id text NOT NULL,
    user_id text NOT NULL,
    reason text NOT NULL,
    declared_at bigint NOT NULL
);


--
-- Name: reviews; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.reviews (
    dossier_id text NOT NULL,
    reviewer_id text NOT NULL,
    scores text NOT NULL,
    comment text NOT NULL,
    submitted_at bigint NOT NULL
);


--
-- Name: self_assessments; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.self_assessments (
    dossier_id text NOT NULL,
    criterion text NOT NULL,
    body text NOT NULL,
    updated_at bigint NOT NULL
);


--
-- Name: sessions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.sessions (
    token_hash text NOT NULL,
    user_id text NOT NULL,
    created_at bigint NOT NULL,
    expires_at bigint NOT NULL
);


--
-- Name: timers; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.timers (
    id text NOT NULL,
    entity text NOT NULL,
    entity_id text NOT NULL,
    name text NOT NULL,
    timer_key text DEFAULT ''::text NOT NULL,
    event text NOT NULL,
    due_at bigint NOT NULL,
    status text DEFAULT 'pending'::text NOT NULL,
    created_at bigint NOT NULL,
    closed_at bigint,
    outcome text
);


--
-- Name: user_affiliations; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.user_affiliations (
    user_id text NOT NULL,
    affiliation text NOT NULL
);


--
-- Name: user_roles; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.user_roles (
    user_id text NOT NULL,
    role text NOT NULL,
    scope text DEFAULT ''::text NOT NULL
);


--
-- Name: users; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.users (
    id text NOT NULL,
    email text NOT NULL,
    name text NOT NULL,
    password_hash text NOT NULL,
    created_at bigint NOT NULL
);


--
-- Name: audit seq; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit ALTER COLUMN seq SET DEFAULT nextval('public.audit_seq_seq'::regclass);


--
-- Data for Name: _sqlx_migrations; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public._sqlx_migrations VALUES (1, 'initial', '2026-12-01 04:45:57.592264+00', true, '\x795032fcdb716368f8f4770b6b6883b438b857098fbb437a352494d4799838876db1937a30ae1f3aab7874c55f8372f9', 214677142);
INSERT INTO public._sqlx_migrations VALUES (2, 'dossier content', '2026-12-01 04:45:57.810506+00', true, '\x4cd6e830ec80b1a97d9c7f177337e9fab609c8534f9d5db961776824c69973d1c3e719164b9015dad7af4830ec342560', 28048400);
INSERT INTO public._sqlx_migrations VALUES (3, 'label reports', '2026-12-01 04:45:57.842534+00', true, '\x43d8c3ea2e939eb10853a6665ed7441af9dbef8f2a38d46d7bacef365cf05dcd2f943982cae0d76329d451899a782844', 12018221);
INSERT INTO public._sqlx_migrations VALUES (4, 'outbox lease', '2026-12-01 04:45:57.858513+00', true, '\x62fc905ac02e19cbb4380e96f79ab63ab56ce9e46cf05b2f2c29025d4487e9a1cf31035e763025c6e7ba7e6a49bc8092', 3974083);
INSERT INTO public._sqlx_migrations VALUES (5, 'recusals', '2026-12-01 04:45:57.866509+00', true, '\x572218c1c2132599b88952cab69b1406678d522bd75d11cbac0da57f737fddc3452c7316ca5205158906d5ab0b3b5ab3', 12090158);
INSERT INTO public._sqlx_migrations VALUES (6, 'label import', '2026-12-01 04:45:57.882533+00', true, '\x102d35b3906af72056e61437da96385c5a1bb23e6c2efa08a0ddfe385e4685e323a0709d14f03e244fca6693253ae619', 12007525);
INSERT INTO public._sqlx_migrations VALUES (7, 'calendar feeds', '2026-12-01 04:45:57.898549+00', true, '\xd196b2b94be66c4ae428cb2c6c3ed9226ac4f17abc0eebf5043ebc90124c111022cd9036598ded10ed82dd9b3234432c', 19429429);


--
-- Data for Name: assignments; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.assignments VALUES ('929dd5f6-267c-44b0-9220-c75ab8106bd1', '864de5a8-820d-4cd9-8732-6220723199f3', 1800053940000000, '12e33cbe-a3b9-4940-a5d1-fed0c11165be', 1796100358323043);
INSERT INTO public.assignments VALUES ('929dd5f6-267c-44b0-9220-c75ab8106bd1', '0c3cbcaf-6106-4ad9-993d-30069ac067b4', 1800053940000000, '12e33cbe-a3b9-4940-a5d1-fed0c11165be', 1796100358331611);
INSERT INTO public.assignments VALUES ('23c73ea7-0548-481b-851d-f776cc77166b', '864de5a8-820d-4cd9-8732-6220723199f3', 1800053940000000, '12e33cbe-a3b9-4940-a5d1-fed0c11165be', 1796100358391697);
INSERT INTO public.assignments VALUES ('23c73ea7-0548-481b-851d-f776cc77166b', '0c3cbcaf-6106-4ad9-993d-30069ac067b4', 1800053940000000, '12e33cbe-a3b9-4940-a5d1-fed0c11165be', 1796100358399882);
INSERT INTO public.assignments VALUES ('936f6ac4-50df-4cc0-a57c-1f53041f7cc8', '864de5a8-820d-4cd9-8732-6220723199f3', 1800053940000000, '12e33cbe-a3b9-4940-a5d1-fed0c11165be', 1796100358463525);
INSERT INTO public.assignments VALUES ('936f6ac4-50df-4cc0-a57c-1f53041f7cc8', '0c3cbcaf-6106-4ad9-993d-30069ac067b4', 1800053940000000, '12e33cbe-a3b9-4940-a5d1-fed0c11165be', 1796100358471503);


--
-- Data for Name: attachments; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: audit; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.audit VALUES (1, 'user', '036cd3be-39a3-4bf7-9771-58402956d985', 1, 1796100358015518, 'system', NULL, 'create', 'null', '{"affiliations":[],"email":"admin@demo.labelflow.fr","name":"Administratrice nationale","roles":["admin"]}', 'null', '0000000000000000000000000000000000000000000000000000000000000000', '2ea5cef41942629b11fd6e9dfd000912ff9b5e753eb58146ab15f76a65b20c32');
INSERT INTO public.audit VALUES (2, 'user', 'e14456b9-7b4c-4332-a831-654c2e225e80', 1, 1796100358015518, 'system', NULL, 'create', 'null', '{"affiliations":[],"email":"porteur@demo.labelflow.fr","name":"Porteuse de projet (Lyon)","roles":["porteur"]}', 'null', '0000000000000000000000000000000000000000000000000000000000000000', '4b4134cc868d28e63ef3d8fe5d1933e144f61e8c26a5da98d1af6456ea58f502');
INSERT INTO public.audit VALUES (3, 'user', '679f139f-f307-45a5-8db8-5bb0d278a260', 1, 1796100358015518, 'system', NULL, 'create', 'null', '{"affiliations":[],"email":"rectorat.lyon@demo.labelflow.fr","name":"Rectorat de Lyon","roles":["staff_rectorat@academie:LYON"]}', 'null', '0000000000000000000000000000000000000000000000000000000000000000', '981f88122464337348d804bc4bb2fb7c73dc302b25a830dd13b1a9cd9a9aa6f8');
INSERT INTO public.audit VALUES (4, 'user', '22f9926c-ed5a-4349-995a-44fc39fb43f7', 1, 1796100358015518, 'system', NULL, 'create', 'null', '{"affiliations":[],"email":"region.ara@demo.labelflow.fr","name":"Région Auvergne-Rhône-Alpes","roles":["staff_region@region:ARA"]}', 'null', '0000000000000000000000000000000000000000000000000000000000000000', '52c2c7812f7c2d7e882cd728eb5fdc685db79a9da784f1470013737ec30e9629');
INSERT INTO public.audit VALUES (5, 'user', '864de5a8-820d-4cd9-8732-6220723199f3', 1, 1796100358015518, 'system', NULL, 'create', 'null', '{"affiliations":["region:BRE"],"email":"rapporteur1@demo.labelflow.fr","name":"Rapporteur (Bretagne)","roles":["rapporteur"]}', 'null', '0000000000000000000000000000000000000000000000000000000000000000', '55a99d11615705daa393d2892d8bd17be56716717c8e993325b659ebee9b9e6c');
INSERT INTO public.audit VALUES (6, 'user', '0c3cbcaf-6106-4ad9-993d-30069ac067b4', 1, 1796100358015518, 'system', NULL, 'create', 'null', '{"affiliations":["academie:PARIS","org:CNAM"],"email":"rapporteur2@demo.labelflow.fr","name":"Rapporteuse (Paris)","roles":["rapporteur"]}', 'null', '0000000000000000000000000000000000000000000000000000000000000000', '05fcc37fb1f327b3f83fc88d8b156f2a9af2306691a271d6ad1709f14201939b');
INSERT INTO public.audit VALUES (7, 'user', '12e33cbe-a3b9-4940-a5d1-fed0c11165be', 1, 1796100358015518, 'system', NULL, 'create', 'null', '{"affiliations":[],"email":"president@demo.labelflow.fr","name":"Président du comité","roles":["president"]}', 'null', '0000000000000000000000000000000000000000000000000000000000000000', 'b2d7a73ba3d9361cc0b52f0875ff9da98b7e432626b276f69598da310bcb6610');
INSERT INTO public.audit VALUES (8, 'campaign', '4b6e2fe9-7a5f-44a2-9133-67f1fef391ef', 1, 1796100358015518, 'user:036cd3be-39a3-4bf7-9771-58402956d985', NULL, 'create', 'null', '{"closes_at":"2027-01-30T04:45:58.015518162Z","criteria":"cmq-2019","kinds":["creation","renewal"],"name":"Appel à projets CMQ (démonstration)","opens_at":"2026-11-01T04:45:58.015518162Z","workflow":"cmq"}', 'null', '0000000000000000000000000000000000000000000000000000000000000000', 'acc6c63e829ec76f72ccefec0e94925d1923e43d6d48a36efeb229a09b1fcf6f');
INSERT INTO public.audit VALUES (9, 'dossier', '88b26e2b-c080-4e0e-a5e7-8113b97ee70f', 1, 1796100358195441, 'user:e14456b9-7b4c-4332-a831-654c2e225e80', NULL, 'create', 'null', '{"academies":["LYON"],"campaign_id":"4b6e2fe9-7a5f-44a2-9133-67f1fef391ef","category":"standard","directeur_operationnel":"Claire Dubois","filiere":"numerique-telecommunications","kind":"creation","owners":["e14456b9-7b4c-4332-a831-654c2e225e80"],"region":"ARA","renewal_of":null,"state":"draft","support_establishment":"Lycée La Martinière Monplaisir","title":"Campus Numérique et Cybersécurité","version":1}', 'null', '0000000000000000000000000000000000000000000000000000000000000000', '0a8cd40fc6d06bf058a431af029869d8acbbedefc9966afc2711e660937ff4cc');
INSERT INTO public.audit VALUES (10, 'dossier', 'ee4470e3-30e5-48b0-b51b-d491da2c810a', 1, 1796100358218958, 'user:e14456b9-7b4c-4332-a831-654c2e225e80', NULL, 'create', 'null', '{"academies":["LYON"],"campaign_id":"4b6e2fe9-7a5f-44a2-9133-67f1fef391ef","category":"excellence","directeur_operationnel":"Claire Dubois","filiere":"systemes-innovants-mecatronique","kind":"creation","owners":["e14456b9-7b4c-4332-a831-654c2e225e80"],"region":"ARA","renewal_of":null,"state":"draft","support_establishment":"Lycée La Martinière Monplaisir","title":"Campus Industrie du futur","version":1}', 'null', '0000000000000000000000000000000000000000000000000000000000000000', 'abcb8598dbd6021cc99019b28cfc0f521b150f84ba47ee6d504d2ca75cebe438');
INSERT INTO public.audit VALUES (11, 'dossier', 'ee4470e3-30e5-48b0-b51b-d491da2c810a', 2, 1796100358015518, 'user:e14456b9-7b4c-4332-a831-654c2e225e80', NULL, 'add_partner', 'null', 'null', '{"name":"Lycée La Martinière Monplaisir","partner_id":"b36933ea-15b2-4e34-a8b2-a292d0648e69","type":"eple"}', 'abcb8598dbd6021cc99019b28cfc0f521b150f84ba47ee6d504d2ca75cebe438', '9768ea052341330407008640d1eb0373c45c3831db57a3f7024e66e0a4d86421');
INSERT INTO public.audit VALUES (12, 'dossier', 'ee4470e3-30e5-48b0-b51b-d491da2c810a', 3, 1796100358015518, 'user:e14456b9-7b4c-4332-a831-654c2e225e80', NULL, 'add_partner', 'null', 'null', '{"name":"Université Claude Bernard Lyon 1","partner_id":"1e526c33-623b-48ac-b5d5-aeae487a6961","type":"universite"}', '9768ea052341330407008640d1eb0373c45c3831db57a3f7024e66e0a4d86421', '1a19db2cfd479b926b4145794adccf7f0b9bad510f9549d4e8efe3e91c76ed80');
INSERT INTO public.audit VALUES (13, 'dossier', 'ee4470e3-30e5-48b0-b51b-d491da2c810a', 4, 1796100358015518, 'user:e14456b9-7b4c-4332-a831-654c2e225e80', NULL, 'add_partner', 'null', 'null', '{"name":"Michelin","partner_id":"8ef1852d-5f72-4e25-a940-f20288adf2cd","type":"entreprise"}', '1a19db2cfd479b926b4145794adccf7f0b9bad510f9549d4e8efe3e91c76ed80', '1ca0daed28dcaad2a388f7c0bdd25006e078db403a65ad2003b7924297334eae');
INSERT INTO public.audit VALUES (14, 'dossier', 'ee4470e3-30e5-48b0-b51b-d491da2c810a', 5, 1796100358242508, 'user:679f139f-f307-45a5-8db8-5bb0d278a260', NULL, 'endorse', '{"state":"draft","version":4}', '{"state":"draft","version":5}', '{"input":{},"records":[{"by":"679f139f-f307-45a5-8db8-5bb0d278a260","record":"endorsement","side":"rectorat"}]}', '1ca0daed28dcaad2a388f7c0bdd25006e078db403a65ad2003b7924297334eae', '9763f536a4abd38302732275cc926bf60cf714193a5fac1d402677541b8b7f93');
INSERT INTO public.audit VALUES (15, 'dossier', 'ee4470e3-30e5-48b0-b51b-d491da2c810a', 6, 1796100358250528, 'user:22f9926c-ed5a-4349-995a-44fc39fb43f7', NULL, 'endorse', '{"state":"draft","version":5}', '{"state":"draft","version":6}', '{"input":{},"records":[{"by":"22f9926c-ed5a-4349-995a-44fc39fb43f7","record":"endorsement","side":"region"}]}', '9763f536a4abd38302732275cc926bf60cf714193a5fac1d402677541b8b7f93', '78073d9a30e7fc39f47f56414a7f3a98a1ad421c844d8f24f7969e74a6df2d45');
INSERT INTO public.audit VALUES (16, 'dossier', 'ee4470e3-30e5-48b0-b51b-d491da2c810a', 7, 1796100358262579, 'user:e14456b9-7b4c-4332-a831-654c2e225e80', NULL, 'submit', '{"state":"draft","version":6}', '{"state":"submitted","version":7}', '{"input":{},"records":[]}', '78073d9a30e7fc39f47f56414a7f3a98a1ad421c844d8f24f7969e74a6df2d45', '98618888a7726418297ff4559ec2d095809bb9e89dc0afabcbcee6a0184cdacf');
INSERT INTO public.audit VALUES (17, 'dossier', '929dd5f6-267c-44b0-9220-c75ab8106bd1', 1, 1796100358279149, 'user:e14456b9-7b4c-4332-a831-654c2e225e80', NULL, 'create', 'null', '{"academies":["LYON"],"campaign_id":"4b6e2fe9-7a5f-44a2-9133-67f1fef391ef","category":"standard","directeur_operationnel":"Claire Dubois","filiere":"tourisme-gastronomie","kind":"creation","owners":["e14456b9-7b4c-4332-a831-654c2e225e80"],"region":"ARA","renewal_of":null,"state":"draft","support_establishment":"Lycée La Martinière Monplaisir","title":"Campus Gastronomie et Hôtellerie","version":1}', 'null', '0000000000000000000000000000000000000000000000000000000000000000', 'd0a839da4a6e250c9c0b75bbda25925a59fed1fe1c0bbc803f868b56cbe60ba0');
INSERT INTO public.audit VALUES (18, 'dossier', '929dd5f6-267c-44b0-9220-c75ab8106bd1', 2, 1796100358015518, 'user:e14456b9-7b4c-4332-a831-654c2e225e80', NULL, 'add_partner', 'null', 'null', '{"name":"Lycée La Martinière Monplaisir","partner_id":"4e0a4e46-f441-4e7d-bb3b-6dd923931e44","type":"eple"}', 'd0a839da4a6e250c9c0b75bbda25925a59fed1fe1c0bbc803f868b56cbe60ba0', 'd497122df622f694cf1927189f3a883c655ecd22afb75e8d7222dbaf0299a939');
INSERT INTO public.audit VALUES (22, 'dossier', '929dd5f6-267c-44b0-9220-c75ab8106bd1', 6, 1796100358298518, 'user:22f9926c-ed5a-4349-995a-44fc39fb43f7', NULL, 'endorse', '{"state":"draft","version":5}', '{"state":"draft","version":6}', '{"input":{},"records":[{"by":"22f9926c-ed5a-4349-995a-44fc39fb43f7","record":"endorsement","side":"region"}]}', 'ad107fe1ed6668ca65ca5236a544fdda61fb82d736dc394265e52006154f33d0', '1bbf46b27b0b93223d168e53994e5bf116052157753a05054fadf44e5ae35588');
INSERT INTO public.audit VALUES (26, 'dossier', '929dd5f6-267c-44b0-9220-c75ab8106bd1', 10, 1796100358318486, 'user:679f139f-f307-45a5-8db8-5bb0d278a260', NULL, 'declare_admissible', '{"state":"submitted","version":9}', '{"state":"admissible","version":10}', '{"input":{},"records":[]}', '66ba48455fc5b26bb0fa666cb1558fe55fc52d1c81c6a327bc2ccf6edaafdc40', '69fd915f4025a9bb9e66b9ecf8148890066ade5c7172decd58ed0577b70f9771');
INSERT INTO public.audit VALUES (27, 'dossier', '929dd5f6-267c-44b0-9220-c75ab8106bd1', 11, 1796100358323043, 'user:12e33cbe-a3b9-4940-a5d1-fed0c11165be', NULL, 'assign_reviewer', '{"state":"admissible","version":10}', '{"state":"under_review","version":11}', '{"input":{"due":"2027-01-15T22:59:00Z","user_id":"864de5a8-820d-4cd9-8732-6220723199f3"},"records":[{"due":"2027-01-15T22:59:00Z","record":"reviewer","user_id":"864de5a8-820d-4cd9-8732-6220723199f3"}]}', '69fd915f4025a9bb9e66b9ecf8148890066ade5c7172decd58ed0577b70f9771', 'b206fd66c48d9c36606d7f81563b97cc60cab7c0165d93cf2b2b54fe8da57d09');
INSERT INTO public.audit VALUES (32, 'dossier', '23c73ea7-0548-481b-851d-f776cc77166b', 4, 1796100358015518, 'user:e14456b9-7b4c-4332-a831-654c2e225e80', NULL, 'add_partner', 'null', 'null', '{"name":"Michelin","partner_id":"30f4be14-923f-4751-b8a2-d1859d641fd7","type":"entreprise"}', '3d2490102535d235ab5ef1c288d08d6603f3ad8a909c235662dde991d6518ef5', '89f80da41b5c279c1b7a6f099befb1aa4e273837ecdafbf9b23ad74289678658');
INSERT INTO public.audit VALUES (36, 'dossier', '23c73ea7-0548-481b-851d-f776cc77166b', 8, 1796100358369556, 'user:22f9926c-ed5a-4349-995a-44fc39fb43f7', NULL, 'record_opinion', '{"state":"submitted","version":7}', '{"state":"submitted","version":8}', '{"input":{"body":"crefop","opinion":"favorable"},"records":[{"body":"crefop","date":null,"opinion":"favorable","record":"opinion"}]}', '3eb5d01e6f5abdb67133bf9adfebbb260a6e1f202f4697fca29c1965db7c1efc', '3d802663b70efbfb66ffc1f585410affeabef0231fd1768c4b67047d36327541');
INSERT INTO public.audit VALUES (42, 'dossier', '23c73ea7-0548-481b-851d-f776cc77166b', 14, 1796100358414624, 'user:0c3cbcaf-6106-4ad9-993d-30069ac067b4', NULL, 'submit_review', '{"state":"under_review","version":13}', '{"state":"reviewed","version":14}', '{"input":{"comment":"Réseau solide, ambition nationale, forte ouverture internationale.","scores":{"c01_diagnostic":4,"c02_perimetre":3,"c03_objectifs":4,"c04_gouvernance":3,"c05_pilotage":3,"c06_moyens":3,"c07_identite":3,"c08_lieux":4,"c09_parcours":4,"c10_international":4,"c11_evaluation":3}},"records":[{"comment":"Réseau solide, ambition nationale, forte ouverture internationale.","record":"review","reviewer":"0c3cbcaf-6106-4ad9-993d-30069ac067b4","scores":{"c01_diagnostic":4,"c02_perimetre":3,"c03_objectifs":4,"c04_gouvernance":3,"c05_pilotage":3,"c06_moyens":3,"c07_identite":3,"c08_lieux":4,"c09_parcours":4,"c10_international":4,"c11_evaluation":3}}]}', 'c805015b9aa6e03890c95f7ce71a891857ff47d2398856b21d4319c80c56bb2c', '40b2aa5bff930a2afcac93135df050d05a39b070d1e21dae867ebedb6dd79401');
INSERT INTO public.audit VALUES (45, 'dossier', '936f6ac4-50df-4cc0-a57c-1f53041f7cc8', 3, 1796100358015518, 'user:e14456b9-7b4c-4332-a831-654c2e225e80', NULL, 'add_partner', 'null', 'null', '{"name":"Université Claude Bernard Lyon 1","partner_id":"bb7ce6d1-2331-43b5-84ef-fdbdda1708da","type":"universite"}', '49c03d5e6b2c045f82f0fa3560386201f4378c1264c68fd6899e0dbd501affaa', '86c3255a3e223fd3372cdee200d9bb01968a52550fc3ffe444c9e04f1fdb9166');
INSERT INTO public.audit VALUES (49, 'dossier', '936f6ac4-50df-4cc0-a57c-1f53041f7cc8', 7, 1796100358450622, 'user:e14456b9-7b4c-4332-a831-654c2e225e80', NULL, 'submit', '{"state":"draft","version":6}', '{"state":"submitted","version":7}', '{"input":{},"records":[]}', 'd4a97e0be12338a9b9d1d34315d35b034af9d117ccbddf5fb3f11131262dbd79', '4f12056b34ba639816c81e067c43f22e21ed8c70df7d4b454f14d653669c6ebc');
INSERT INTO public.audit VALUES (55, 'dossier', '936f6ac4-50df-4cc0-a57c-1f53041f7cc8', 13, 1796100358478592, 'user:864de5a8-820d-4cd9-8732-6220723199f3', NULL, 'submit_review', '{"state":"under_review","version":12}', '{"state":"under_review","version":13}', '{"input":{"comment":"Réseau solide, ambition nationale, forte ouverture internationale.","scores":{"c01_diagnostic":4,"c02_perimetre":3,"c03_objectifs":4,"c04_gouvernance":3,"c05_pilotage":3,"c06_moyens":3,"c07_identite":3,"c08_lieux":4,"c09_parcours":4,"c10_international":4,"c11_evaluation":3}},"records":[{"comment":"Réseau solide, ambition nationale, forte ouverture internationale.","record":"review","reviewer":"864de5a8-820d-4cd9-8732-6220723199f3","scores":{"c01_diagnostic":4,"c02_perimetre":3,"c03_objectifs":4,"c04_gouvernance":3,"c05_pilotage":3,"c06_moyens":3,"c07_identite":3,"c08_lieux":4,"c09_parcours":4,"c10_international":4,"c11_evaluation":3}}]}', 'b91583287812403305dd43e71afcefda748ce166fc2d1f79bbf576bfcca9ddf0', 'f8b7560feba7cea67636f15cd2dfc749ecf700fa677f7dfb0d550ac449018fa5');
INSERT INTO public.audit VALUES (19, 'dossier', '929dd5f6-267c-44b0-9220-c75ab8106bd1', 3, 1796100358015518, 'user:e14456b9-7b4c-4332-a831-654c2e225e80', NULL, 'add_partner', 'null', 'null', '{"name":"Université Claude Bernard Lyon 1","partner_id":"d6f611e0-533e-40b7-a070-bc3c21174efa","type":"universite"}', 'd497122df622f694cf1927189f3a883c655ecd22afb75e8d7222dbaf0299a939', 'ad5fb5579386ccd32ef322fbf2f36e8f0f9c496493284331f7d73d736a990698');
INSERT INTO public.audit VALUES (23, 'dossier', '929dd5f6-267c-44b0-9220-c75ab8106bd1', 7, 1796100358302498, 'user:e14456b9-7b4c-4332-a831-654c2e225e80', NULL, 'submit', '{"state":"draft","version":6}', '{"state":"submitted","version":7}', '{"input":{},"records":[]}', '1bbf46b27b0b93223d168e53994e5bf116052157753a05054fadf44e5ae35588', '64b7ef80c06aad1e9dbef186ace9f6005943f594bc5e4ead0379989f0c1247ed');
INSERT INTO public.audit VALUES (28, 'dossier', '929dd5f6-267c-44b0-9220-c75ab8106bd1', 12, 1796100358331611, 'user:12e33cbe-a3b9-4940-a5d1-fed0c11165be', NULL, 'assign_reviewer', '{"state":"under_review","version":11}', '{"state":"under_review","version":12}', '{"input":{"due":"2027-01-15T22:59:00Z","user_id":"0c3cbcaf-6106-4ad9-993d-30069ac067b4"},"records":[{"due":"2027-01-15T22:59:00Z","record":"reviewer","user_id":"0c3cbcaf-6106-4ad9-993d-30069ac067b4"}]}', 'b206fd66c48d9c36606d7f81563b97cc60cab7c0165d93cf2b2b54fe8da57d09', 'b9f9d038e87ff7bbcc64427ae100d39a76a576ab92c0a5300c73acddc9e98d9c');
INSERT INTO public.audit VALUES (31, 'dossier', '23c73ea7-0548-481b-851d-f776cc77166b', 3, 1796100358015518, 'user:e14456b9-7b4c-4332-a831-654c2e225e80', NULL, 'add_partner', 'null', 'null', '{"name":"Université Claude Bernard Lyon 1","partner_id":"c746d15b-efea-48cf-ae81-a9e270c2aab3","type":"universite"}', '6a0628018de16f1c568cb1d3bf289d92973695c58dfa4cdf72f38be419227fd3', '3d2490102535d235ab5ef1c288d08d6603f3ad8a909c235662dde991d6518ef5');
INSERT INTO public.audit VALUES (35, 'dossier', '23c73ea7-0548-481b-851d-f776cc77166b', 7, 1796100358366580, 'user:e14456b9-7b4c-4332-a831-654c2e225e80', NULL, 'submit', '{"state":"draft","version":6}', '{"state":"submitted","version":7}', '{"input":{},"records":[]}', 'ed58902ef795975f612cb0acdd1011ad3038e9b1cf34ee0ace11e191388e9499', '3eb5d01e6f5abdb67133bf9adfebbb260a6e1f202f4697fca29c1965db7c1efc');
INSERT INTO public.audit VALUES (40, 'dossier', '23c73ea7-0548-481b-851d-f776cc77166b', 12, 1796100358399882, 'user:12e33cbe-a3b9-4940-a5d1-fed0c11165be', NULL, 'assign_reviewer', '{"state":"under_review","version":11}', '{"state":"under_review","version":12}', '{"input":{"due":"2027-01-15T22:59:00Z","user_id":"0c3cbcaf-6106-4ad9-993d-30069ac067b4"},"records":[{"due":"2027-01-15T22:59:00Z","record":"reviewer","user_id":"0c3cbcaf-6106-4ad9-993d-30069ac067b4"}]}', '3a9b8ffa30496a44c7af0261d59d334e65449aa6ce81be67bead17af1ce9420f', '38ba5411100ac0fb54675be0db623f84ae6bb8dce36f2672a8ef4d7f481f1196');
INSERT INTO public.audit VALUES (43, 'dossier', '936f6ac4-50df-4cc0-a57c-1f53041f7cc8', 1, 1796100358420480, 'user:e14456b9-7b4c-4332-a831-654c2e225e80', NULL, 'create', 'null', '{"academies":["LYON"],"campaign_id":"4b6e2fe9-7a5f-44a2-9133-67f1fef391ef","category":"excellence","directeur_operationnel":"Claire Dubois","filiere":"mobilite-aeronautique-transports","kind":"creation","owners":["e14456b9-7b4c-4332-a831-654c2e225e80"],"region":"ARA","renewal_of":null,"state":"draft","support_establishment":"Lycée La Martinière Monplaisir","title":"Campus Aéronautique et Spatial","version":1}', 'null', '0000000000000000000000000000000000000000000000000000000000000000', 'f32496265ddc73ee2054bdaa008602f28aec6af606cae972fbf0b9830ef23a46');
INSERT INTO public.audit VALUES (47, 'dossier', '936f6ac4-50df-4cc0-a57c-1f53041f7cc8', 5, 1796100358438574, 'user:679f139f-f307-45a5-8db8-5bb0d278a260', NULL, 'endorse', '{"state":"draft","version":4}', '{"state":"draft","version":5}', '{"input":{},"records":[{"by":"679f139f-f307-45a5-8db8-5bb0d278a260","record":"endorsement","side":"rectorat"}]}', '2f4e81eb5661a6fd5a9ccd5fa57c7ad713aaa2b7403adeeee09fc9cfc731c4da', '4381672e48d932c57c6bfae04623b63bdf2a00adf61b94555666abf128f56fcc');
INSERT INTO public.audit VALUES (51, 'dossier', '936f6ac4-50df-4cc0-a57c-1f53041f7cc8', 9, 1796100358456111, 'user:22f9926c-ed5a-4349-995a-44fc39fb43f7', NULL, 'record_opinion', '{"state":"submitted","version":8}', '{"state":"submitted","version":9}', '{"input":{"body":"conseil_academique","opinion":"favorable"},"records":[{"body":"conseil_academique","date":null,"opinion":"favorable","record":"opinion"}]}', '3febca4b9e2c6c9959e35e7c7137b3b7cc9a385922d0f4cd113ffe82917f01ab', '6af64baa5d80d20cdd7818de3cdfb05bf64026babfc387c293a4d9cfb70e39c1');
INSERT INTO public.audit VALUES (57, 'dossier', '936f6ac4-50df-4cc0-a57c-1f53041f7cc8', 15, 1796100358486553, 'user:12e33cbe-a3b9-4940-a5d1-fed0c11165be', NULL, 'decide', '{"state":"reviewed","version":14}', '{"state":"labelled","version":15}', '{"input":{"category":"excellence","motivation":"Campus d''excellence : enjeu national, recherche et innovation, rayonnement international.","outcome":"labelled","years":5},"records":[{"category":"excellence","excellence_override":null,"motivation":"Campus d''excellence : enjeu national, recherche et innovation, rayonnement international.","outcome":"labelled","record":"decision","years":5}]}', '02f277f0d67ac50ccda2cc9deea821695231f9aea2ef5d10a1dfe2f0aea0648d', '9c0df75c5e6b8e1afba3a1d09f772a17990e1ea6dde7302b06dcb16c9a2734f1');
INSERT INTO public.audit VALUES (58, 'label', '6da86ec2-470c-4e35-9060-a1c864bece22', 1, 1796100358486553, 'user:12e33cbe-a3b9-4940-a5d1-fed0c11165be', NULL, 'create', 'null', '{"category":"excellence","dossier_id":"936f6ac4-50df-4cc0-a57c-1f53041f7cc8","renewal_of":null,"state":"active","valid_from":"2026-12-01","valid_until":"2031-11-30","version":1,"years":5}', 'null', '0000000000000000000000000000000000000000000000000000000000000000', '91cff1ab05b6caac5b235bc017b165554e7c61ffa8d6ffb46ca57c6a1b4ab270');
INSERT INTO public.audit VALUES (20, 'dossier', '929dd5f6-267c-44b0-9220-c75ab8106bd1', 4, 1796100358015518, 'user:e14456b9-7b4c-4332-a831-654c2e225e80', NULL, 'add_partner', 'null', 'null', '{"name":"Michelin","partner_id":"dcd1fa8b-8560-427a-8287-b35f535baaa6","type":"entreprise"}', 'ad5fb5579386ccd32ef322fbf2f36e8f0f9c496493284331f7d73d736a990698', 'bda9508ecc1fca2b9510ffc958ed664c4eec2a7be47181eda6bd29cbab07fb38');
INSERT INTO public.audit VALUES (24, 'dossier', '929dd5f6-267c-44b0-9220-c75ab8106bd1', 8, 1796100358310522, 'user:22f9926c-ed5a-4349-995a-44fc39fb43f7', NULL, 'record_opinion', '{"state":"submitted","version":7}', '{"state":"submitted","version":8}', '{"input":{"body":"crefop","opinion":"favorable"},"records":[{"body":"crefop","date":null,"opinion":"favorable","record":"opinion"}]}', '64b7ef80c06aad1e9dbef186ace9f6005943f594bc5e4ead0379989f0c1247ed', '3487907efe0a7413af02ce7410bcbfcb4830c6ad3b394432d85e193283062972');
INSERT INTO public.audit VALUES (29, 'dossier', '23c73ea7-0548-481b-851d-f776cc77166b', 1, 1796100358338952, 'user:e14456b9-7b4c-4332-a831-654c2e225e80', NULL, 'create', 'null', '{"academies":["LYON"],"campaign_id":"4b6e2fe9-7a5f-44a2-9133-67f1fef391ef","category":"excellence","directeur_operationnel":"Claire Dubois","filiere":"chimie-biotechnologies","kind":"creation","owners":["e14456b9-7b4c-4332-a831-654c2e225e80"],"region":"ARA","renewal_of":null,"state":"draft","support_establishment":"Lycée La Martinière Monplaisir","title":"Campus Chimie Verte","version":1}', 'null', '0000000000000000000000000000000000000000000000000000000000000000', '0acf601036fa1efc628f2928fa00aff4fcd262e5bb92b5dd9343f2ca441874c0');
INSERT INTO public.audit VALUES (33, 'dossier', '23c73ea7-0548-481b-851d-f776cc77166b', 5, 1796100358358575, 'user:679f139f-f307-45a5-8db8-5bb0d278a260', NULL, 'endorse', '{"state":"draft","version":4}', '{"state":"draft","version":5}', '{"input":{},"records":[{"by":"679f139f-f307-45a5-8db8-5bb0d278a260","record":"endorsement","side":"rectorat"}]}', '89f80da41b5c279c1b7a6f099befb1aa4e273837ecdafbf9b23ad74289678658', '3d73cd72f32cac59a06225c450739c2976e231f702582751db8ec9bf335ec976');
INSERT INTO public.audit VALUES (37, 'dossier', '23c73ea7-0548-481b-851d-f776cc77166b', 9, 1796100358378592, 'user:22f9926c-ed5a-4349-995a-44fc39fb43f7', NULL, 'record_opinion', '{"state":"submitted","version":8}', '{"state":"submitted","version":9}', '{"input":{"body":"conseil_academique","opinion":"favorable"},"records":[{"body":"conseil_academique","date":null,"opinion":"favorable","record":"opinion"}]}', '3d802663b70efbfb66ffc1f585410affeabef0231fd1768c4b67047d36327541', '577774f66692e31f8f7348550bc3da1679bdf0e9a515aff853a20cc414f28a4b');
INSERT INTO public.audit VALUES (46, 'dossier', '936f6ac4-50df-4cc0-a57c-1f53041f7cc8', 4, 1796100358015518, 'user:e14456b9-7b4c-4332-a831-654c2e225e80', NULL, 'add_partner', 'null', 'null', '{"name":"Michelin","partner_id":"712c9aef-9ff6-4d20-9d8b-bc0f7b51cfc1","type":"entreprise"}', '86c3255a3e223fd3372cdee200d9bb01968a52550fc3ffe444c9e04f1fdb9166', '2f4e81eb5661a6fd5a9ccd5fa57c7ad713aaa2b7403adeeee09fc9cfc731c4da');
INSERT INTO public.audit VALUES (50, 'dossier', '936f6ac4-50df-4cc0-a57c-1f53041f7cc8', 8, 1796100358453436, 'user:22f9926c-ed5a-4349-995a-44fc39fb43f7', NULL, 'record_opinion', '{"state":"submitted","version":7}', '{"state":"submitted","version":8}', '{"input":{"body":"crefop","opinion":"favorable"},"records":[{"body":"crefop","date":null,"opinion":"favorable","record":"opinion"}]}', '4f12056b34ba639816c81e067c43f22e21ed8c70df7d4b454f14d653669c6ebc', '3febca4b9e2c6c9959e35e7c7137b3b7cc9a385922d0f4cd113ffe82917f01ab');
INSERT INTO public.audit VALUES (53, 'dossier', '936f6ac4-50df-4cc0-a57c-1f53041f7cc8', 11, 1796100358463525, 'user:12e33cbe-a3b9-4940-a5d1-fed0c11165be', NULL, 'assign_reviewer', '{"state":"admissible","version":10}', '{"state":"under_review","version":11}', '{"input":{"due":"2027-01-15T22:59:00Z","user_id":"864de5a8-820d-4cd9-8732-6220723199f3"},"records":[{"due":"2027-01-15T22:59:00Z","record":"reviewer","user_id":"864de5a8-820d-4cd9-8732-6220723199f3"}]}', 'fcbd95a892173780ead420e8ff6fbc01dfc9de98ab13500d3e4a5e7273d5a826', '622a1589185739c0e9e54cfa303618ccf31aed8cca95ee94f45d5800ef5e998d');
INSERT INTO public.audit VALUES (54, 'dossier', '936f6ac4-50df-4cc0-a57c-1f53041f7cc8', 12, 1796100358471503, 'user:12e33cbe-a3b9-4940-a5d1-fed0c11165be', NULL, 'assign_reviewer', '{"state":"under_review","version":11}', '{"state":"under_review","version":12}', '{"input":{"due":"2027-01-15T22:59:00Z","user_id":"0c3cbcaf-6106-4ad9-993d-30069ac067b4"},"records":[{"due":"2027-01-15T22:59:00Z","record":"reviewer","user_id":"0c3cbcaf-6106-4ad9-993d-30069ac067b4"}]}', '622a1589185739c0e9e54cfa303618ccf31aed8cca95ee94f45d5800ef5e998d', 'b91583287812403305dd43e71afcefda748ce166fc2d1f79bbf576bfcca9ddf0');
INSERT INTO public.audit VALUES (21, 'dossier', '929dd5f6-267c-44b0-9220-c75ab8106bd1', 5, 1796100358290498, 'user:679f139f-f307-45a5-8db8-5bb0d278a260', NULL, 'endorse', '{"state":"draft","version":4}', '{"state":"draft","version":5}', '{"input":{},"records":[{"by":"679f139f-f307-45a5-8db8-5bb0d278a260","record":"endorsement","side":"rectorat"}]}', 'bda9508ecc1fca2b9510ffc958ed664c4eec2a7be47181eda6bd29cbab07fb38', 'ad107fe1ed6668ca65ca5236a544fdda61fb82d736dc394265e52006154f33d0');
INSERT INTO public.audit VALUES (25, 'dossier', '929dd5f6-267c-44b0-9220-c75ab8106bd1', 9, 1796100358315310, 'user:22f9926c-ed5a-4349-995a-44fc39fb43f7', NULL, 'record_opinion', '{"state":"submitted","version":8}', '{"state":"submitted","version":9}', '{"input":{"body":"conseil_academique","opinion":"favorable"},"records":[{"body":"conseil_academique","date":null,"opinion":"favorable","record":"opinion"}]}', '3487907efe0a7413af02ce7410bcbfcb4830c6ad3b394432d85e193283062972', '66ba48455fc5b26bb0fa666cb1558fe55fc52d1c81c6a327bc2ccf6edaafdc40');
INSERT INTO public.audit VALUES (30, 'dossier', '23c73ea7-0548-481b-851d-f776cc77166b', 2, 1796100358015518, 'user:e14456b9-7b4c-4332-a831-654c2e225e80', NULL, 'add_partner', 'null', 'null', '{"name":"Lycée La Martinière Monplaisir","partner_id":"e46b05ad-c3d1-4e79-abc4-6e050f3a1f68","type":"eple"}', '0acf601036fa1efc628f2928fa00aff4fcd262e5bb92b5dd9343f2ca441874c0', '6a0628018de16f1c568cb1d3bf289d92973695c58dfa4cdf72f38be419227fd3');
INSERT INTO public.audit VALUES (34, 'dossier', '23c73ea7-0548-481b-851d-f776cc77166b', 6, 1796100358362512, 'user:22f9926c-ed5a-4349-995a-44fc39fb43f7', NULL, 'endorse', '{"state":"draft","version":5}', '{"state":"draft","version":6}', '{"input":{},"records":[{"by":"22f9926c-ed5a-4349-995a-44fc39fb43f7","record":"endorsement","side":"region"}]}', '3d73cd72f32cac59a06225c450739c2976e231f702582751db8ec9bf335ec976', 'ed58902ef795975f612cb0acdd1011ad3038e9b1cf34ee0ace11e191388e9499');
INSERT INTO public.audit VALUES (38, 'dossier', '23c73ea7-0548-481b-851d-f776cc77166b', 10, 1796100358382525, 'user:679f139f-f307-45a5-8db8-5bb0d278a260', NULL, 'declare_admissible', '{"state":"submitted","version":9}', '{"state":"admissible","version":10}', '{"input":{},"records":[]}', '577774f66692e31f8f7348550bc3da1679bdf0e9a515aff853a20cc414f28a4b', 'f637e7b657d637e785298c88a11fc96344822cf1b885434914da455f5cecb4de');
INSERT INTO public.audit VALUES (39, 'dossier', '23c73ea7-0548-481b-851d-f776cc77166b', 11, 1796100358391697, 'user:12e33cbe-a3b9-4940-a5d1-fed0c11165be', NULL, 'assign_reviewer', '{"state":"admissible","version":10}', '{"state":"under_review","version":11}', '{"input":{"due":"2027-01-15T22:59:00Z","user_id":"864de5a8-820d-4cd9-8732-6220723199f3"},"records":[{"due":"2027-01-15T22:59:00Z","record":"reviewer","user_id":"864de5a8-820d-4cd9-8732-6220723199f3"}]}', 'f637e7b657d637e785298c88a11fc96344822cf1b885434914da455f5cecb4de', '3a9b8ffa30496a44c7af0261d59d334e65449aa6ce81be67bead17af1ce9420f');
INSERT INTO public.audit VALUES (41, 'dossier', '23c73ea7-0548-481b-851d-f776cc77166b', 13, 1796100358406657, 'user:864de5a8-820d-4cd9-8732-6220723199f3', NULL, 'submit_review', '{"state":"under_review","version":12}', '{"state":"under_review","version":13}', '{"input":{"comment":"Réseau solide, ambition nationale, forte ouverture internationale.","scores":{"c01_diagnostic":4,"c02_perimetre":3,"c03_objectifs":4,"c04_gouvernance":3,"c05_pilotage":3,"c06_moyens":3,"c07_identite":3,"c08_lieux":4,"c09_parcours":4,"c10_international":4,"c11_evaluation":3}},"records":[{"comment":"Réseau solide, ambition nationale, forte ouverture internationale.","record":"review","reviewer":"864de5a8-820d-4cd9-8732-6220723199f3","scores":{"c01_diagnostic":4,"c02_perimetre":3,"c03_objectifs":4,"c04_gouvernance":3,"c05_pilotage":3,"c06_moyens":3,"c07_identite":3,"c08_lieux":4,"c09_parcours":4,"c10_international":4,"c11_evaluation":3}}]}', '38ba5411100ac0fb54675be0db623f84ae6bb8dce36f2672a8ef4d7f481f1196', 'c805015b9aa6e03890c95f7ce71a891857ff47d2398856b21d4319c80c56bb2c');
INSERT INTO public.audit VALUES (44, 'dossier', '936f6ac4-50df-4cc0-a57c-1f53041f7cc8', 2, 1796100358015518, 'user:e14456b9-7b4c-4332-a831-654c2e225e80', NULL, 'add_partner', 'null', 'null', '{"name":"Lycée La Martinière Monplaisir","partner_id":"6ed1f534-a016-443e-ab83-91adce8ca2d1","type":"eple"}', 'f32496265ddc73ee2054bdaa008602f28aec6af606cae972fbf0b9830ef23a46', '49c03d5e6b2c045f82f0fa3560386201f4378c1264c68fd6899e0dbd501affaa');
INSERT INTO public.audit VALUES (48, 'dossier', '936f6ac4-50df-4cc0-a57c-1f53041f7cc8', 6, 1796100358446608, 'user:22f9926c-ed5a-4349-995a-44fc39fb43f7', NULL, 'endorse', '{"state":"draft","version":5}', '{"state":"draft","version":6}', '{"input":{},"records":[{"by":"22f9926c-ed5a-4349-995a-44fc39fb43f7","record":"endorsement","side":"region"}]}', '4381672e48d932c57c6bfae04623b63bdf2a00adf61b94555666abf128f56fcc', 'd4a97e0be12338a9b9d1d34315d35b034af9d117ccbddf5fb3f11131262dbd79');
INSERT INTO public.audit VALUES (52, 'dossier', '936f6ac4-50df-4cc0-a57c-1f53041f7cc8', 10, 1796100358458522, 'user:679f139f-f307-45a5-8db8-5bb0d278a260', NULL, 'declare_admissible', '{"state":"submitted","version":9}', '{"state":"admissible","version":10}', '{"input":{},"records":[]}', '6af64baa5d80d20cdd7818de3cdfb05bf64026babfc387c293a4d9cfb70e39c1', 'fcbd95a892173780ead420e8ff6fbc01dfc9de98ab13500d3e4a5e7273d5a826');
INSERT INTO public.audit VALUES (56, 'dossier', '936f6ac4-50df-4cc0-a57c-1f53041f7cc8', 14, 1796100358482586, 'user:0c3cbcaf-6106-4ad9-993d-30069ac067b4', NULL, 'submit_review', '{"state":"under_review","version":13}', '{"state":"reviewed","version":14}', '{"input":{"comment":"Réseau solide, ambition nationale, forte ouverture internationale.","scores":{"c01_diagnostic":4,"c02_perimetre":3,"c03_objectifs":4,"c04_gouvernance":3,"c05_pilotage":3,"c06_moyens":3,"c07_identite":3,"c08_lieux":4,"c09_parcours":4,"c10_international":4,"c11_evaluation":3}},"records":[{"comment":"Réseau solide, ambition nationale, forte ouverture internationale.","record":"review","reviewer":"0c3cbcaf-6106-4ad9-993d-30069ac067b4","scores":{"c01_diagnostic":4,"c02_perimetre":3,"c03_objectifs":4,"c04_gouvernance":3,"c05_pilotage":3,"c06_moyens":3,"c07_identite":3,"c08_lieux":4,"c09_parcours":4,"c10_international":4,"c11_evaluation":3}}]}', 'f8b7560feba7cea67636f15cd2dfc749ecf700fa677f7dfb0d550ac449018fa5', '02f277f0d67ac50ccda2cc9deea821695231f9aea2ef5d10a1dfe2f0aea0648d');


--
-- Data for Name: audit_heads; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.audit_heads VALUES ('user', '036cd3be-39a3-4bf7-9771-58402956d985', 1, '2ea5cef41942629b11fd6e9dfd000912ff9b5e753eb58146ab15f76a65b20c32');
INSERT INTO public.audit_heads VALUES ('user', 'e14456b9-7b4c-4332-a831-654c2e225e80', 1, '4b4134cc868d28e63ef3d8fe5d1933e144f61e8c26a5da98d1af6456ea58f502');
INSERT INTO public.audit_heads VALUES ('user', '679f139f-f307-45a5-8db8-5bb0d278a260', 1, '981f88122464337348d804bc4bb2fb7c73dc302b25a830dd13b1a9cd9a9aa6f8');
INSERT INTO public.audit_heads VALUES ('user', '22f9926c-ed5a-4349-995a-44fc39fb43f7', 1, '52c2c7812f7c2d7e882cd728eb5fdc685db79a9da784f1470013737ec30e9629');
INSERT INTO public.audit_heads VALUES ('user', '864de5a8-820d-4cd9-8732-6220723199f3', 1, '55a99d11615705daa393d2892d8bd17be56716717c8e993325b659ebee9b9e6c');
INSERT INTO public.audit_heads VALUES ('user', '0c3cbcaf-6106-4ad9-993d-30069ac067b4', 1, '05fcc37fb1f327b3f83fc88d8b156f2a9af2306691a271d6ad1709f14201939b');
INSERT INTO public.audit_heads VALUES ('user', '12e33cbe-a3b9-4940-a5d1-fed0c11165be', 1, 'b2d7a73ba3d9361cc0b52f0875ff9da98b7e432626b276f69598da310bcb6610');
INSERT INTO public.audit_heads VALUES ('campaign', '4b6e2fe9-7a5f-44a2-9133-67f1fef391ef', 1, 'acc6c63e829ec76f72ccefec0e94925d1923e43d6d48a36efeb229a09b1fcf6f');
INSERT INTO public.audit_heads VALUES ('dossier', '88b26e2b-c080-4e0e-a5e7-8113b97ee70f', 1, '0a8cd40fc6d06bf058a431af029869d8acbbedefc9966afc2711e660937ff4cc');
INSERT INTO public.audit_heads VALUES ('dossier', 'ee4470e3-30e5-48b0-b51b-d491da2c810a', 7, '98618888a7726418297ff4559ec2d095809bb9e89dc0afabcbcee6a0184cdacf');
INSERT INTO public.audit_heads VALUES ('dossier', '936f6ac4-50df-4cc0-a57c-1f53041f7cc8', 15, '9c0df75c5e6b8e1afba3a1d09f772a17990e1ea6dde7302b06dcb16c9a2734f1');
INSERT INTO public.audit_heads VALUES ('label', '6da86ec2-470c-4e35-9060-a1c864bece22', 1, '91cff1ab05b6caac5b235bc017b165554e7c61ffa8d6ffb46ca57c6a1b4ab270');
INSERT INTO public.audit_heads VALUES ('dossier', '929dd5f6-267c-44b0-9220-c75ab8106bd1', 12, 'b9f9d038e87ff7bbcc64427ae100d39a76a576ab92c0a5300c73acddc9e98d9c');
INSERT INTO public.audit_heads VALUES ('dossier', '23c73ea7-0548-481b-851d-f776cc77166b', 14, '40b2aa5bff930a2afcac93135df050d05a39b070d1e21dae867ebedb6dd79401');


--
-- Data for Name: calendar_feeds; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: campaigns; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.campaigns VALUES ('4b6e2fe9-7a5f-44a2-9133-67f1fef391ef', 'Appel à projets CMQ (démonstration)', 'cmq', 'cmq-2019', 1793508358015518, 1801284358015518, 'creation,renewal', 1796100358015518);


--
-- Data for Name: decisions; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.decisions VALUES ('936f6ac4-50df-4cc0-a57c-1f53041f7cc8', 'labelled', 'excellence', 5, 'Campus d''excellence : enjeu national, recherche et innovation, rayonnement international.', NULL, '12e33cbe-a3b9-4940-a5d1-fed0c11165be', 1796100358486553);


--
-- Data for Name: dossier_academies; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.dossier_academies VALUES ('88b26e2b-c080-4e0e-a5e7-8113b97ee70f', 'LYON');
INSERT INTO public.dossier_academies VALUES ('ee4470e3-30e5-48b0-b51b-d491da2c810a', 'LYON');
INSERT INTO public.dossier_academies VALUES ('929dd5f6-267c-44b0-9220-c75ab8106bd1', 'LYON');
INSERT INTO public.dossier_academies VALUES ('23c73ea7-0548-481b-851d-f776cc77166b', 'LYON');
INSERT INTO public.dossier_academies VALUES ('936f6ac4-50df-4cc0-a57c-1f53041f7cc8', 'LYON');


--
-- Data for Name: dossier_owners; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.dossier_owners VALUES ('88b26e2b-c080-4e0e-a5e7-8113b97ee70f', 'e14456b9-7b4c-4332-a831-654c2e225e80');
INSERT INTO public.dossier_owners VALUES ('ee4470e3-30e5-48b0-b51b-d491da2c810a', 'e14456b9-7b4c-4332-a831-654c2e225e80');
INSERT INTO public.dossier_owners VALUES ('929dd5f6-267c-44b0-9220-c75ab8106bd1', 'e14456b9-7b4c-4332-a831-654c2e225e80');
INSERT INTO public.dossier_owners VALUES ('23c73ea7-0548-481b-851d-f776cc77166b', 'e14456b9-7b4c-4332-a831-654c2e225e80');
INSERT INTO public.dossier_owners VALUES ('936f6ac4-50df-4cc0-a57c-1f53041f7cc8', 'e14456b9-7b4c-4332-a831-654c2e225e80');


--
-- Data for Name: dossiers; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.dossiers VALUES ('88b26e2b-c080-4e0e-a5e7-8113b97ee70f', '4b6e2fe9-7a5f-44a2-9133-67f1fef391ef', 'cmq', 'draft', 1, 'creation', NULL, 'standard', 'Campus Numérique et Cybersécurité', 'numerique-telecommunications', 'ARA', 'Lycée La Martinière Monplaisir', 'Claire Dubois', NULL, NULL, NULL, NULL, NULL, NULL, 'e14456b9-7b4c-4332-a831-654c2e225e80', 1796100358195441, 1796100358195441);
INSERT INTO public.dossiers VALUES ('ee4470e3-30e5-48b0-b51b-d491da2c810a', '4b6e2fe9-7a5f-44a2-9133-67f1fef391ef', 'cmq', 'submitted', 7, 'creation', NULL, 'excellence', 'Campus Industrie du futur', 'systemes-innovants-mecatronique', 'ARA', 'Lycée La Martinière Monplaisir', 'Claire Dubois', '679f139f-f307-45a5-8db8-5bb0d278a260', 1796100358242508, '22f9926c-ed5a-4349-995a-44fc39fb43f7', 1796100358250528, NULL, NULL, 'e14456b9-7b4c-4332-a831-654c2e225e80', 1796100358218958, 1796100358262579);
INSERT INTO public.dossiers VALUES ('929dd5f6-267c-44b0-9220-c75ab8106bd1', '4b6e2fe9-7a5f-44a2-9133-67f1fef391ef', 'cmq', 'under_review', 12, 'creation', NULL, 'standard', 'Campus Gastronomie et Hôtellerie', 'tourisme-gastronomie', 'ARA', 'Lycée La Martinière Monplaisir', 'Claire Dubois', '679f139f-f307-45a5-8db8-5bb0d278a260', 1796100358290498, '22f9926c-ed5a-4349-995a-44fc39fb43f7', 1796100358298518, NULL, NULL, 'e14456b9-7b4c-4332-a831-654c2e225e80', 1796100358279149, 1796100358331611);
INSERT INTO public.dossiers VALUES ('23c73ea7-0548-481b-851d-f776cc77166b', '4b6e2fe9-7a5f-44a2-9133-67f1fef391ef', 'cmq', 'reviewed', 14, 'creation', NULL, 'excellence', 'Campus Chimie Verte', 'chimie-biotechnologies', 'ARA', 'Lycée La Martinière Monplaisir', 'Claire Dubois', '679f139f-f307-45a5-8db8-5bb0d278a260', 1796100358358575, '22f9926c-ed5a-4349-995a-44fc39fb43f7', 1796100358362512, NULL, NULL, 'e14456b9-7b4c-4332-a831-654c2e225e80', 1796100358338952, 1796100358414624);
INSERT INTO public.dossiers VALUES ('936f6ac4-50df-4cc0-a57c-1f53041f7cc8', '4b6e2fe9-7a5f-44a2-9133-67f1fef391ef', 'cmq', 'labelled', 15, 'creation', NULL, 'excellence', 'Campus Aéronautique et Spatial', 'mobilite-aeronautique-transports', 'ARA', 'Lycée La Martinière Monplaisir', 'Claire Dubois', '679f139f-f307-45a5-8db8-5bb0d278a260', 1796100358438574, '22f9926c-ed5a-4349-995a-44fc39fb43f7', 1796100358446608, NULL, NULL, 'e14456b9-7b4c-4332-a831-654c2e225e80', 1796100358420480, 1796100358486553);


--
-- Data for Name: label_academies; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.label_academies VALUES ('6da86ec2-470c-4e35-9060-a1c864bece22', 'LYON');


--
-- Data for Name: label_reports; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: labels; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.labels VALUES ('6da86ec2-470c-4e35-9060-a1c864bece22', '936f6ac4-50df-4cc0-a57c-1f53041f7cc8', 'cmq', 'active', 1, 'Campus Aéronautique et Spatial', 'excellence', 'mobilite-aeronautique-transports', 'ARA', '2026-12-01', '2031-11-30', NULL, 1796100358486553, 1796100358486553, NULL, 'Lycée La Martinière Monplaisir');


--
-- Data for Name: opinions; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.opinions VALUES ('929dd5f6-267c-44b0-9220-c75ab8106bd1', 'crefop', 'favorable', NULL, '22f9926c-ed5a-4349-995a-44fc39fb43f7', 1796100358310522);
INSERT INTO public.opinions VALUES ('929dd5f6-267c-44b0-9220-c75ab8106bd1', 'conseil_academique', 'favorable', NULL, '22f9926c-ed5a-4349-995a-44fc39fb43f7', 1796100358315310);
INSERT INTO public.opinions VALUES ('23c73ea7-0548-481b-851d-f776cc77166b', 'crefop', 'favorable', NULL, '22f9926c-ed5a-4349-995a-44fc39fb43f7', 1796100358369556);
INSERT INTO public.opinions VALUES ('23c73ea7-0548-481b-851d-f776cc77166b', 'conseil_academique', 'favorable', NULL, '22f9926c-ed5a-4349-995a-44fc39fb43f7', 1796100358378592);
INSERT INTO public.opinions VALUES ('936f6ac4-50df-4cc0-a57c-1f53041f7cc8', 'crefop', 'favorable', NULL, '22f9926c-ed5a-4349-995a-44fc39fb43f7', 1796100358453436);
INSERT INTO public.opinions VALUES ('936f6ac4-50df-4cc0-a57c-1f53041f7cc8', 'conseil_academique', 'favorable', NULL, '22f9926c-ed5a-4349-995a-44fc39fb43f7', 1796100358456111);


--
-- Data for Name: outbox; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.outbox VALUES ('207a18cf-c556-466c-be2c-5ac7c31aacf5:e14456b9-7b4c-4332-a831-654c2e225e80', 'dossier', '23c73ea7-0548-481b-851d-f776cc77166b', 'submission_receipt', 'e14456b9-7b4c-4332-a831-654c2e225e80', 'porteur@demo.labelflow.fr', '{"cause":"submit","data":{},"entity":"dossier","entity_id":"23c73ea7-0548-481b-851d-f776cc77166b","template":"submission_receipt"}', 'sent', 0, 1796100358366580, NULL, 1796100358366580, 1796100358664510, NULL);
INSERT INTO public.outbox VALUES ('a6162bad-a3d5-4d6e-96ed-d8a53229e979:679f139f-f307-45a5-8db8-5bb0d278a260', 'dossier', 'ee4470e3-30e5-48b0-b51b-d491da2c810a', 'submission_receipt', '679f139f-f307-45a5-8db8-5bb0d278a260', 'rectorat.lyon@demo.labelflow.fr', '{"cause":"submit","data":{},"entity":"dossier","entity_id":"ee4470e3-30e5-48b0-b51b-d491da2c810a","template":"submission_receipt"}', 'sent', 0, 1796100358262579, NULL, 1796100358262579, 1796100358587278, NULL);
INSERT INTO public.outbox VALUES ('1015bac7-d1c3-4630-beed-9f671585f815:22f9926c-ed5a-4349-995a-44fc39fb43f7', 'dossier', '929dd5f6-267c-44b0-9220-c75ab8106bd1', 'submission_receipt', '22f9926c-ed5a-4349-995a-44fc39fb43f7', 'region.ara@demo.labelflow.fr', '{"cause":"submit","data":{},"entity":"dossier","entity_id":"929dd5f6-267c-44b0-9220-c75ab8106bd1","template":"submission_receipt"}', 'sent', 0, 1796100358302498, NULL, 1796100358302498, 1796100358530000, NULL);
INSERT INTO public.outbox VALUES ('1015bac7-d1c3-4630-beed-9f671585f815:e14456b9-7b4c-4332-a831-654c2e225e80', 'dossier', '929dd5f6-267c-44b0-9220-c75ab8106bd1', 'submission_receipt', 'e14456b9-7b4c-4332-a831-654c2e225e80', 'porteur@demo.labelflow.fr', '{"cause":"submit","data":{},"entity":"dossier","entity_id":"929dd5f6-267c-44b0-9220-c75ab8106bd1","template":"submission_receipt"}', 'sent', 0, 1796100358302498, NULL, 1796100358302498, 1796100358538773, NULL);
INSERT INTO public.outbox VALUES ('e438592b-457d-4465-8bee-1143dde93d55:0c3cbcaf-6106-4ad9-993d-30069ac067b4', 'dossier', '929dd5f6-267c-44b0-9220-c75ab8106bd1', 'reviewer_assigned', '0c3cbcaf-6106-4ad9-993d-30069ac067b4', 'rapporteur2@demo.labelflow.fr', '{"cause":"assign_reviewer","data":{"due":"2027-01-15T22:59:00Z","user_id":"0c3cbcaf-6106-4ad9-993d-30069ac067b4"},"entity":"dossier","entity_id":"929dd5f6-267c-44b0-9220-c75ab8106bd1","template":"reviewer_assigned"}', 'sent', 0, 1796100358331611, NULL, 1796100358331611, 1796100358577324, NULL);
INSERT INTO public.outbox VALUES ('3d5b5415-881d-4e6a-a413-e02665d05a38:679f139f-f307-45a5-8db8-5bb0d278a260', 'dossier', '929dd5f6-267c-44b0-9220-c75ab8106bd1', 'dossier_admissible', '679f139f-f307-45a5-8db8-5bb0d278a260', 'rectorat.lyon@demo.labelflow.fr', '{"cause":"declare_admissible","data":{},"entity":"dossier","entity_id":"929dd5f6-267c-44b0-9220-c75ab8106bd1","template":"dossier_admissible"}', 'sent', 0, 1796100358318486, NULL, 1796100358318486, 1796100358545496, NULL);
INSERT INTO public.outbox VALUES ('3d5b5415-881d-4e6a-a413-e02665d05a38:22f9926c-ed5a-4349-995a-44fc39fb43f7', 'dossier', '929dd5f6-267c-44b0-9220-c75ab8106bd1', 'dossier_admissible', '22f9926c-ed5a-4349-995a-44fc39fb43f7', 'region.ara@demo.labelflow.fr', '{"cause":"declare_admissible","data":{},"entity":"dossier","entity_id":"929dd5f6-267c-44b0-9220-c75ab8106bd1","template":"dossier_admissible"}', 'sent', 0, 1796100358318486, NULL, 1796100358318486, 1796100358545021, NULL);
INSERT INTO public.outbox VALUES ('9c38a3c9-1976-4ab2-828f-a0a2ccc44121:864de5a8-820d-4cd9-8732-6220723199f3', 'dossier', '929dd5f6-267c-44b0-9220-c75ab8106bd1', 'reviewer_assigned', '864de5a8-820d-4cd9-8732-6220723199f3', 'rapporteur1@demo.labelflow.fr', '{"cause":"assign_reviewer","data":{"due":"2027-01-15T22:59:00Z","user_id":"864de5a8-820d-4cd9-8732-6220723199f3"},"entity":"dossier","entity_id":"929dd5f6-267c-44b0-9220-c75ab8106bd1","template":"reviewer_assigned"}', 'sent', 0, 1796100358323043, NULL, 1796100358323043, 1796100358564870, NULL);
INSERT INTO public.outbox VALUES ('3d5b5415-881d-4e6a-a413-e02665d05a38:e14456b9-7b4c-4332-a831-654c2e225e80', 'dossier', '929dd5f6-267c-44b0-9220-c75ab8106bd1', 'dossier_admissible', 'e14456b9-7b4c-4332-a831-654c2e225e80', 'porteur@demo.labelflow.fr', '{"cause":"declare_admissible","data":{},"entity":"dossier","entity_id":"929dd5f6-267c-44b0-9220-c75ab8106bd1","template":"dossier_admissible"}', 'sent', 0, 1796100358318486, NULL, 1796100358318486, 1796100358565792, NULL);
INSERT INTO public.outbox VALUES ('207a18cf-c556-466c-be2c-5ac7c31aacf5:22f9926c-ed5a-4349-995a-44fc39fb43f7', 'dossier', '23c73ea7-0548-481b-851d-f776cc77166b', 'submission_receipt', '22f9926c-ed5a-4349-995a-44fc39fb43f7', 'region.ara@demo.labelflow.fr', '{"cause":"submit","data":{},"entity":"dossier","entity_id":"23c73ea7-0548-481b-851d-f776cc77166b","template":"submission_receipt"}', 'sent', 0, 1796100358366580, NULL, 1796100358366580, 1796100358576151, NULL);
INSERT INTO public.outbox VALUES ('207a18cf-c556-466c-be2c-5ac7c31aacf5:679f139f-f307-45a5-8db8-5bb0d278a260', 'dossier', '23c73ea7-0548-481b-851d-f776cc77166b', 'submission_receipt', '679f139f-f307-45a5-8db8-5bb0d278a260', 'rectorat.lyon@demo.labelflow.fr', '{"cause":"submit","data":{},"entity":"dossier","entity_id":"23c73ea7-0548-481b-851d-f776cc77166b","template":"submission_receipt"}', 'sent', 0, 1796100358366580, NULL, 1796100358366580, 1796100358586827, NULL);
INSERT INTO public.outbox VALUES ('592c9e3c-fe66-44c8-be81-0c5e606bf3e2:679f139f-f307-45a5-8db8-5bb0d278a260', 'dossier', '23c73ea7-0548-481b-851d-f776cc77166b', 'dossier_admissible', '679f139f-f307-45a5-8db8-5bb0d278a260', 'rectorat.lyon@demo.labelflow.fr', '{"cause":"declare_admissible","data":{},"entity":"dossier","entity_id":"23c73ea7-0548-481b-851d-f776cc77166b","template":"dossier_admissible"}', 'sent', 0, 1796100358382525, NULL, 1796100358382525, 1796100358594152, NULL);
INSERT INTO public.outbox VALUES ('592c9e3c-fe66-44c8-be81-0c5e606bf3e2:22f9926c-ed5a-4349-995a-44fc39fb43f7', 'dossier', '23c73ea7-0548-481b-851d-f776cc77166b', 'dossier_admissible', '22f9926c-ed5a-4349-995a-44fc39fb43f7', 'region.ara@demo.labelflow.fr', '{"cause":"declare_admissible","data":{},"entity":"dossier","entity_id":"23c73ea7-0548-481b-851d-f776cc77166b","template":"dossier_admissible"}', 'sent', 0, 1796100358382525, NULL, 1796100358382525, 1796100358593685, NULL);
INSERT INTO public.outbox VALUES ('592c9e3c-fe66-44c8-be81-0c5e606bf3e2:e14456b9-7b4c-4332-a831-654c2e225e80', 'dossier', '23c73ea7-0548-481b-851d-f776cc77166b', 'dossier_admissible', 'e14456b9-7b4c-4332-a831-654c2e225e80', 'porteur@demo.labelflow.fr', '{"cause":"declare_admissible","data":{},"entity":"dossier","entity_id":"23c73ea7-0548-481b-851d-f776cc77166b","template":"dossier_admissible"}', 'sent', 0, 1796100358382525, NULL, 1796100358382525, 1796100358600827, NULL);
INSERT INTO public.outbox VALUES ('afaded69-e428-43f7-924d-69ef84bf8d8e:864de5a8-820d-4cd9-8732-6220723199f3', 'dossier', '23c73ea7-0548-481b-851d-f776cc77166b', 'reviewer_assigned', '864de5a8-820d-4cd9-8732-6220723199f3', 'rapporteur1@demo.labelflow.fr', '{"cause":"assign_reviewer","data":{"due":"2027-01-15T22:59:00Z","user_id":"864de5a8-820d-4cd9-8732-6220723199f3"},"entity":"dossier","entity_id":"23c73ea7-0548-481b-851d-f776cc77166b","template":"reviewer_assigned"}', 'sent', 0, 1796100358391697, NULL, 1796100358391697, 1796100358600261, NULL);
INSERT INTO public.outbox VALUES ('1c195331-ee86-4eb0-8fbf-77f8093b7143:679f139f-f307-45a5-8db8-5bb0d278a260', 'dossier', '936f6ac4-50df-4cc0-a57c-1f53041f7cc8', 'dossier_admissible', '679f139f-f307-45a5-8db8-5bb0d278a260', 'rectorat.lyon@demo.labelflow.fr', '{"cause":"declare_admissible","data":{},"entity":"dossier","entity_id":"936f6ac4-50df-4cc0-a57c-1f53041f7cc8","template":"dossier_admissible"}', 'sent', 0, 1796100358458522, NULL, 1796100358458522, 1796100358626164, NULL);
INSERT INTO public.outbox VALUES ('67ff11e7-e05d-4be6-b613-4df947131cc3:e14456b9-7b4c-4332-a831-654c2e225e80', 'label', '6da86ec2-470c-4e35-9060-a1c864bece22', 'label_granted', 'e14456b9-7b4c-4332-a831-654c2e225e80', 'porteur@demo.labelflow.fr', '{"cause":"create","data":null,"entity":"label","entity_id":"6da86ec2-470c-4e35-9060-a1c864bece22","template":"label_granted"}', 'sent', 0, 1796100358486553, NULL, 1796100358486553, 1796100358644256, NULL);
INSERT INTO public.outbox VALUES ('458f57b0-f9a0-48a7-8eb5-d1eb5663cd93:0c3cbcaf-6106-4ad9-993d-30069ac067b4', 'dossier', '23c73ea7-0548-481b-851d-f776cc77166b', 'reviewer_assigned', '0c3cbcaf-6106-4ad9-993d-30069ac067b4', 'rapporteur2@demo.labelflow.fr', '{"cause":"assign_reviewer","data":{"due":"2027-01-15T22:59:00Z","user_id":"0c3cbcaf-6106-4ad9-993d-30069ac067b4"},"entity":"dossier","entity_id":"23c73ea7-0548-481b-851d-f776cc77166b","template":"reviewer_assigned"}', 'sent', 0, 1796100358399882, NULL, 1796100358399882, 1796100358607550, NULL);
INSERT INTO public.outbox VALUES ('8c85fecb-c172-465d-85be-74fb826f1ef9:679f139f-f307-45a5-8db8-5bb0d278a260', 'dossier', '936f6ac4-50df-4cc0-a57c-1f53041f7cc8', 'decision', '679f139f-f307-45a5-8db8-5bb0d278a260', 'rectorat.lyon@demo.labelflow.fr', '{"cause":"decide","data":{"category":"excellence","motivation":"Campus d''excellence : enjeu national, recherche et innovation, rayonnement international.","outcome":"labelled","years":5},"entity":"dossier","entity_id":"936f6ac4-50df-4cc0-a57c-1f53041f7cc8","template":"decision"}', 'sent', 0, 1796100358486553, NULL, 1796100358486553, 1796100358645910, NULL);
INSERT INTO public.outbox VALUES ('8c85fecb-c172-465d-85be-74fb826f1ef9:22f9926c-ed5a-4349-995a-44fc39fb43f7', 'dossier', '936f6ac4-50df-4cc0-a57c-1f53041f7cc8', 'decision', '22f9926c-ed5a-4349-995a-44fc39fb43f7', 'region.ara@demo.labelflow.fr', '{"cause":"decide","data":{"category":"excellence","motivation":"Campus d''excellence : enjeu national, recherche et innovation, rayonnement international.","outcome":"labelled","years":5},"entity":"dossier","entity_id":"936f6ac4-50df-4cc0-a57c-1f53041f7cc8","template":"decision"}', 'sent', 0, 1796100358486553, NULL, 1796100358486553, 1796100358646553, NULL);
INSERT INTO public.outbox VALUES ('67ff11e7-e05d-4be6-b613-4df947131cc3:22f9926c-ed5a-4349-995a-44fc39fb43f7', 'label', '6da86ec2-470c-4e35-9060-a1c864bece22', 'label_granted', '22f9926c-ed5a-4349-995a-44fc39fb43f7', 'region.ara@demo.labelflow.fr', '{"cause":"create","data":null,"entity":"label","entity_id":"6da86ec2-470c-4e35-9060-a1c864bece22","template":"label_granted"}', 'sent', 0, 1796100358486553, NULL, 1796100358486553, 1796100358637128, NULL);
INSERT INTO public.outbox VALUES ('67ff11e7-e05d-4be6-b613-4df947131cc3:679f139f-f307-45a5-8db8-5bb0d278a260', 'label', '6da86ec2-470c-4e35-9060-a1c864bece22', 'label_granted', '679f139f-f307-45a5-8db8-5bb0d278a260', 'rectorat.lyon@demo.labelflow.fr', '{"cause":"create","data":null,"entity":"label","entity_id":"6da86ec2-470c-4e35-9060-a1c864bece22","template":"label_granted"}', 'sent', 0, 1796100358486553, NULL, 1796100358486553, 1796100358638811, NULL);
INSERT INTO public.outbox VALUES ('8c85fecb-c172-465d-85be-74fb826f1ef9:e14456b9-7b4c-4332-a831-654c2e225e80', 'dossier', '936f6ac4-50df-4cc0-a57c-1f53041f7cc8', 'decision', 'e14456b9-7b4c-4332-a831-654c2e225e80', 'porteur@demo.labelflow.fr', '{"cause":"decide","data":{"category":"excellence","motivation":"Campus d''excellence : enjeu national, recherche et innovation, rayonnement international.","outcome":"labelled","years":5},"entity":"dossier","entity_id":"936f6ac4-50df-4cc0-a57c-1f53041f7cc8","template":"decision"}', 'sent', 0, 1796100358486553, NULL, 1796100358486553, 1796100358648577, NULL);
INSERT INTO public.outbox VALUES ('a6162bad-a3d5-4d6e-96ed-d8a53229e979:e14456b9-7b4c-4332-a831-654c2e225e80', 'dossier', 'ee4470e3-30e5-48b0-b51b-d491da2c810a', 'submission_receipt', 'e14456b9-7b4c-4332-a831-654c2e225e80', 'porteur@demo.labelflow.fr', '{"cause":"submit","data":{},"entity":"dossier","entity_id":"ee4470e3-30e5-48b0-b51b-d491da2c810a","template":"submission_receipt"}', 'sent', 0, 1796100358262579, NULL, 1796100358262579, 1796100358528940, NULL);
INSERT INTO public.outbox VALUES ('7c52af23-6f7c-490f-af79-d43dec9ea8a3:12e33cbe-a3b9-4940-a5d1-fed0c11165be', 'dossier', '23c73ea7-0548-481b-851d-f776cc77166b', 'reviews_complete', '12e33cbe-a3b9-4940-a5d1-fed0c11165be', 'president@demo.labelflow.fr', '{"cause":"submit_review","data":{"comment":"Réseau solide, ambition nationale, forte ouverture internationale.","scores":{"c01_diagnostic":4,"c02_perimetre":3,"c03_objectifs":4,"c04_gouvernance":3,"c05_pilotage":3,"c06_moyens":3,"c07_identite":3,"c08_lieux":4,"c09_parcours":4,"c10_international":4,"c11_evaluation":3}},"entity":"dossier","entity_id":"23c73ea7-0548-481b-851d-f776cc77166b","template":"reviews_complete"}', 'sent', 0, 1796100358414624, NULL, 1796100358414624, 1796100358609209, NULL);
INSERT INTO public.outbox VALUES ('c8f85c01-1b62-4de4-b9e8-dcf230b87fbb:22f9926c-ed5a-4349-995a-44fc39fb43f7', 'dossier', '936f6ac4-50df-4cc0-a57c-1f53041f7cc8', 'submission_receipt', '22f9926c-ed5a-4349-995a-44fc39fb43f7', 'region.ara@demo.labelflow.fr', '{"cause":"submit","data":{},"entity":"dossier","entity_id":"936f6ac4-50df-4cc0-a57c-1f53041f7cc8","template":"submission_receipt"}', 'sent', 0, 1796100358450622, NULL, 1796100358450622, 1796100358616231, NULL);
INSERT INTO public.outbox VALUES ('c8f85c01-1b62-4de4-b9e8-dcf230b87fbb:679f139f-f307-45a5-8db8-5bb0d278a260', 'dossier', '936f6ac4-50df-4cc0-a57c-1f53041f7cc8', 'submission_receipt', '679f139f-f307-45a5-8db8-5bb0d278a260', 'rectorat.lyon@demo.labelflow.fr', '{"cause":"submit","data":{},"entity":"dossier","entity_id":"936f6ac4-50df-4cc0-a57c-1f53041f7cc8","template":"submission_receipt"}', 'sent', 0, 1796100358450622, NULL, 1796100358450622, 1796100358618175, NULL);
INSERT INTO public.outbox VALUES ('c8f85c01-1b62-4de4-b9e8-dcf230b87fbb:e14456b9-7b4c-4332-a831-654c2e225e80', 'dossier', '936f6ac4-50df-4cc0-a57c-1f53041f7cc8', 'submission_receipt', 'e14456b9-7b4c-4332-a831-654c2e225e80', 'porteur@demo.labelflow.fr', '{"cause":"submit","data":{},"entity":"dossier","entity_id":"936f6ac4-50df-4cc0-a57c-1f53041f7cc8","template":"submission_receipt"}', 'sent', 0, 1796100358450622, NULL, 1796100358450622, 1796100358624093, NULL);
INSERT INTO public.outbox VALUES ('1015bac7-d1c3-4630-beed-9f671585f815:679f139f-f307-45a5-8db8-5bb0d278a260', 'dossier', '929dd5f6-267c-44b0-9220-c75ab8106bd1', 'submission_receipt', '679f139f-f307-45a5-8db8-5bb0d278a260', 'rectorat.lyon@demo.labelflow.fr', '{"cause":"submit","data":{},"entity":"dossier","entity_id":"929dd5f6-267c-44b0-9220-c75ab8106bd1","template":"submission_receipt"}', 'sent', 0, 1796100358302498, NULL, 1796100358302498, 1796100358540149, NULL);
INSERT INTO public.outbox VALUES ('a6162bad-a3d5-4d6e-96ed-d8a53229e979:22f9926c-ed5a-4349-995a-44fc39fb43f7', 'dossier', 'ee4470e3-30e5-48b0-b51b-d491da2c810a', 'submission_receipt', '22f9926c-ed5a-4349-995a-44fc39fb43f7', 'region.ara@demo.labelflow.fr', '{"cause":"submit","data":{},"entity":"dossier","entity_id":"ee4470e3-30e5-48b0-b51b-d491da2c810a","template":"submission_receipt"}', 'sent', 0, 1796100358262579, NULL, 1796100358262579, 1796100358615577, NULL);
INSERT INTO public.outbox VALUES ('79784b42-c237-408a-bbd4-3c87872c1d57:864de5a8-820d-4cd9-8732-6220723199f3', 'dossier', '936f6ac4-50df-4cc0-a57c-1f53041f7cc8', 'reviewer_assigned', '864de5a8-820d-4cd9-8732-6220723199f3', 'rapporteur1@demo.labelflow.fr', '{"cause":"assign_reviewer","data":{"due":"2027-01-15T22:59:00Z","user_id":"864de5a8-820d-4cd9-8732-6220723199f3"},"entity":"dossier","entity_id":"936f6ac4-50df-4cc0-a57c-1f53041f7cc8","template":"reviewer_assigned"}', 'sent', 0, 1796100358463525, NULL, 1796100358463525, 1796100358631289, NULL);
INSERT INTO public.outbox VALUES ('1c195331-ee86-4eb0-8fbf-77f8093b7143:22f9926c-ed5a-4349-995a-44fc39fb43f7', 'dossier', '936f6ac4-50df-4cc0-a57c-1f53041f7cc8', 'dossier_admissible', '22f9926c-ed5a-4349-995a-44fc39fb43f7', 'region.ara@demo.labelflow.fr', '{"cause":"declare_admissible","data":{},"entity":"dossier","entity_id":"936f6ac4-50df-4cc0-a57c-1f53041f7cc8","template":"dossier_admissible"}', 'sent', 0, 1796100358458522, NULL, 1796100358458522, 1796100358625244, NULL);
INSERT INTO public.outbox VALUES ('1c195331-ee86-4eb0-8fbf-77f8093b7143:e14456b9-7b4c-4332-a831-654c2e225e80', 'dossier', '936f6ac4-50df-4cc0-a57c-1f53041f7cc8', 'dossier_admissible', 'e14456b9-7b4c-4332-a831-654c2e225e80', 'porteur@demo.labelflow.fr', '{"cause":"declare_admissible","data":{},"entity":"dossier","entity_id":"936f6ac4-50df-4cc0-a57c-1f53041f7cc8","template":"dossier_admissible"}', 'sent', 0, 1796100358458522, NULL, 1796100358458522, 1796100358631554, NULL);
INSERT INTO public.outbox VALUES ('60b7c16c-1b1f-430e-9d94-bea26174ac1e:0c3cbcaf-6106-4ad9-993d-30069ac067b4', 'dossier', '936f6ac4-50df-4cc0-a57c-1f53041f7cc8', 'reviewer_assigned', '0c3cbcaf-6106-4ad9-993d-30069ac067b4', 'rapporteur2@demo.labelflow.fr', '{"cause":"assign_reviewer","data":{"due":"2027-01-15T22:59:00Z","user_id":"0c3cbcaf-6106-4ad9-993d-30069ac067b4"},"entity":"dossier","entity_id":"936f6ac4-50df-4cc0-a57c-1f53041f7cc8","template":"reviewer_assigned"}', 'sent', 0, 1796100358471503, NULL, 1796100358471503, 1796100358631817, NULL);
INSERT INTO public.outbox VALUES ('5f452812-5d12-49ae-b89c-7dab407ba61e:12e33cbe-a3b9-4940-a5d1-fed0c11165be', 'dossier', '936f6ac4-50df-4cc0-a57c-1f53041f7cc8', 'reviews_complete', '12e33cbe-a3b9-4940-a5d1-fed0c11165be', 'president@demo.labelflow.fr', '{"cause":"submit_review","data":{"comment":"Réseau solide, ambition nationale, forte ouverture internationale.","scores":{"c01_diagnostic":4,"c02_perimetre":3,"c03_objectifs":4,"c04_gouvernance":3,"c05_pilotage":3,"c06_moyens":3,"c07_identite":3,"c08_lieux":4,"c09_parcours":4,"c10_international":4,"c11_evaluation":3}},"entity":"dossier","entity_id":"936f6ac4-50df-4cc0-a57c-1f53041f7cc8","template":"reviews_complete"}', 'sent', 0, 1796100358482586, NULL, 1796100358482586, 1796100358638034, NULL);


--
-- Data for Name: partners; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.partners VALUES ('b36933ea-15b2-4e34-a8b2-a292d0648e69', 'ee4470e3-30e5-48b0-b51b-d491da2c810a', 'Lycée La Martinière Monplaisir', 'eple', 1796100358015518);
INSERT INTO public.partners VALUES ('1e526c33-623b-48ac-b5d5-aeae487a6961', 'ee4470e3-30e5-48b0-b51b-d491da2c810a', 'Université Claude Bernard Lyon 1', 'universite', 1796100358015518);
INSERT INTO public.partners VALUES ('8ef1852d-5f72-4e25-a940-f20288adf2cd', 'ee4470e3-30e5-48b0-b51b-d491da2c810a', 'Michelin', 'entreprise', 1796100358015518);
INSERT INTO public.partners VALUES ('4e0a4e46-f441-4e7d-bb3b-6dd923931e44', '929dd5f6-267c-44b0-9220-c75ab8106bd1', 'Lycée La Martinière Monplaisir', 'eple', 1796100358015518);
INSERT INTO public.partners VALUES ('d6f611e0-533e-40b7-a070-bc3c21174efa', '929dd5f6-267c-44b0-9220-c75ab8106bd1', 'Université Claude Bernard Lyon 1', 'universite', 1796100358015518);
INSERT INTO public.partners VALUES ('dcd1fa8b-8560-427a-8287-b35f535baaa6', '929dd5f6-267c-44b0-9220-c75ab8106bd1', 'Michelin', 'entreprise', 1796100358015518);
INSERT INTO public.partners VALUES ('e46b05ad-c3d1-4e79-abc4-6e050f3a1f68', '23c73ea7-0548-481b-851d-f776cc77166b', 'Lycée La Martinière Monplaisir', 'eple', 1796100358015518);
INSERT INTO public.partners VALUES ('c746d15b-efea-48cf-ae81-a9e270c2aab3', '23c73ea7-0548-481b-851d-f776cc77166b', 'Université Claude Bernard Lyon 1', 'universite', 1796100358015518);
INSERT INTO public.partners VALUES ('30f4be14-923f-4751-b8a2-d1859d641fd7', '23c73ea7-0548-481b-851d-f776cc77166b', 'Michelin', 'entreprise', 1796100358015518);
INSERT INTO public.partners VALUES ('6ed1f534-a016-443e-ab83-91adce8ca2d1', '936f6ac4-50df-4cc0-a57c-1f53041f7cc8', 'Lycée La Martinière Monplaisir', 'eple', 1796100358015518);
INSERT INTO public.partners VALUES ('bb7ce6d1-2331-43b5-84ef-fdbdda1708da', '936f6ac4-50df-4cc0-a57c-1f53041f7cc8', 'Université Claude Bernard Lyon 1', 'universite', 1796100358015518);
INSERT INTO public.partners VALUES ('712c9aef-9ff6-4d20-9d8b-bc0f7b51cfc1', '936f6ac4-50df-4cc0-a57c-1f53041f7cc8', 'Michelin', 'entreprise', 1796100358015518);


--
-- Data for Name: recusals; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: reviews; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.reviews VALUES ('23c73ea7-0548-481b-851d-f776cc77166b', '864de5a8-820d-4cd9-8732-6220723199f3', '{"c01_diagnostic":4,"c02_perimetre":3,"c03_objectifs":4,"c04_gouvernance":3,"c05_pilotage":3,"c06_moyens":3,"c07_identite":3,"c08_lieux":4,"c09_parcours":4,"c10_international":4,"c11_evaluation":3}', 'Réseau solide, ambition nationale, forte ouverture internationale.', 1796100358406657);
INSERT INTO public.reviews VALUES ('23c73ea7-0548-481b-851d-f776cc77166b', '0c3cbcaf-6106-4ad9-993d-30069ac067b4', '{"c01_diagnostic":4,"c02_perimetre":3,"c03_objectifs":4,"c04_gouvernance":3,"c05_pilotage":3,"c06_moyens":3,"c07_identite":3,"c08_lieux":4,"c09_parcours":4,"c10_international":4,"c11_evaluation":3}', 'Réseau solide, ambition nationale, forte ouverture internationale.', 1796100358414624);
INSERT INTO public.reviews VALUES ('936f6ac4-50df-4cc0-a57c-1f53041f7cc8', '864de5a8-820d-4cd9-8732-6220723199f3', '{"c01_diagnostic":4,"c02_perimetre":3,"c03_objectifs":4,"c04_gouvernance":3,"c05_pilotage":3,"c06_moyens":3,"c07_identite":3,"c08_lieux":4,"c09_parcours":4,"c10_international":4,"c11_evaluation":3}', 'Réseau solide, ambition nationale, forte ouverture internationale.', 1796100358478592);
INSERT INTO public.reviews VALUES ('936f6ac4-50df-4cc0-a57c-1f53041f7cc8', '0c3cbcaf-6106-4ad9-993d-30069ac067b4', '{"c01_diagnostic":4,"c02_perimetre":3,"c03_objectifs":4,"c04_gouvernance":3,"c05_pilotage":3,"c06_moyens":3,"c07_identite":3,"c08_lieux":4,"c09_parcours":4,"c10_international":4,"c11_evaluation":3}', 'Réseau solide, ambition nationale, forte ouverture internationale.', 1796100358482586);


--
-- Data for Name: self_assessments; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: sessions; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: timers; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.timers VALUES ('5302ba90-14fd-4b91-a97d-38cc2d78f4ae', 'dossier', '88b26e2b-c080-4e0e-a5e7-8113b97ee70f', 'call_closing_7d', '', 'remind_call_closing', 1800691200000000, 'pending', 1796100358195441, NULL, NULL);
INSERT INTO public.timers VALUES ('634c1717-82ee-4978-a46a-e5e91c9fa8d3', 'dossier', '88b26e2b-c080-4e0e-a5e7-8113b97ee70f', 'call_closing_1d', '', 'remind_call_closing', 1801209600000000, 'pending', 1796100358195441, NULL, NULL);
INSERT INTO public.timers VALUES ('6e612910-0649-496b-babf-334b98185e33', 'dossier', 'ee4470e3-30e5-48b0-b51b-d491da2c810a', 'call_closing_7d', '', 'remind_call_closing', 1800691200000000, 'cancelled', 1796100358218958, 1796100358262579, 'cancelled by submit');
INSERT INTO public.timers VALUES ('faefadf2-ab86-4858-a12c-faebc3af5a8d', 'dossier', 'ee4470e3-30e5-48b0-b51b-d491da2c810a', 'call_closing_1d', '', 'remind_call_closing', 1801209600000000, 'cancelled', 1796100358218958, 1796100358262579, 'cancelled by submit');
INSERT INTO public.timers VALUES ('aca9894f-b4a0-4f77-948b-9b619b2fdbd6', 'dossier', '929dd5f6-267c-44b0-9220-c75ab8106bd1', 'call_closing_7d', '', 'remind_call_closing', 1800691200000000, 'cancelled', 1796100358279149, 1796100358302498, 'cancelled by submit');
INSERT INTO public.timers VALUES ('5ca126f8-9c8c-442b-9ef0-f2dedb9fc360', 'dossier', '929dd5f6-267c-44b0-9220-c75ab8106bd1', 'call_closing_1d', '', 'remind_call_closing', 1801209600000000, 'cancelled', 1796100358279149, 1796100358302498, 'cancelled by submit');
INSERT INTO public.timers VALUES ('e258cc4b-d8b5-4490-9046-2d1b1d3cd3a9', 'dossier', '929dd5f6-267c-44b0-9220-c75ab8106bd1', 'review_reminder_7d', '864de5a8-820d-4cd9-8732-6220723199f3', 'remind_review', 1799395200000000, 'pending', 1796100358323043, NULL, NULL);
INSERT INTO public.timers VALUES ('6c52fdf6-52f9-4a2a-8ce7-4c24185c53b9', 'dossier', '929dd5f6-267c-44b0-9220-c75ab8106bd1', 'review_reminder_1d', '864de5a8-820d-4cd9-8732-6220723199f3', 'remind_review', 1799913600000000, 'pending', 1796100358323043, NULL, NULL);
INSERT INTO public.timers VALUES ('d2264575-b27d-4425-a059-f064a91687b1', 'dossier', '929dd5f6-267c-44b0-9220-c75ab8106bd1', 'review_overdue', '864de5a8-820d-4cd9-8732-6220723199f3', 'review_overdue', 1800086400000000, 'pending', 1796100358323043, NULL, NULL);
INSERT INTO public.timers VALUES ('fe231310-f626-465f-8803-1ed94bd7572e', 'dossier', '929dd5f6-267c-44b0-9220-c75ab8106bd1', 'review_reminder_7d', '0c3cbcaf-6106-4ad9-993d-30069ac067b4', 'remind_review', 1799395200000000, 'pending', 1796100358331611, NULL, NULL);
INSERT INTO public.timers VALUES ('6b741f58-2c8b-46e5-9f78-1e9c68389b85', 'dossier', '929dd5f6-267c-44b0-9220-c75ab8106bd1', 'review_reminder_1d', '0c3cbcaf-6106-4ad9-993d-30069ac067b4', 'remind_review', 1799913600000000, 'pending', 1796100358331611, NULL, NULL);
INSERT INTO public.timers VALUES ('fec79942-cefd-48f4-ad44-192ca74af30f', 'dossier', '929dd5f6-267c-44b0-9220-c75ab8106bd1', 'review_overdue', '0c3cbcaf-6106-4ad9-993d-30069ac067b4', 'review_overdue', 1800086400000000, 'pending', 1796100358331611, NULL, NULL);
INSERT INTO public.timers VALUES ('83b75ffc-b072-4fe2-bac6-ae8e1a4ae0c2', 'dossier', '23c73ea7-0548-481b-851d-f776cc77166b', 'call_closing_7d', '', 'remind_call_closing', 1800691200000000, 'cancelled', 1796100358338952, 1796100358366580, 'cancelled by submit');
INSERT INTO public.timers VALUES ('33cacaf8-4742-4a96-a57d-b864bad37d80', 'dossier', '23c73ea7-0548-481b-851d-f776cc77166b', 'call_closing_1d', '', 'remind_call_closing', 1801209600000000, 'cancelled', 1796100358338952, 1796100358366580, 'cancelled by submit');
INSERT INTO public.timers VALUES ('235464a3-8b1a-4c0a-be32-4d711d7c9d24', 'dossier', '23c73ea7-0548-481b-851d-f776cc77166b', 'review_reminder_7d', '864de5a8-820d-4cd9-8732-6220723199f3', 'remind_review', 1799395200000000, 'cancelled', 1796100358391697, 1796100358406657, 'cancelled by submit_review');
INSERT INTO public.timers VALUES ('4f9c357b-6ded-4bd5-9c72-6d609d79fede', 'dossier', '23c73ea7-0548-481b-851d-f776cc77166b', 'review_reminder_1d', '864de5a8-820d-4cd9-8732-6220723199f3', 'remind_review', 1799913600000000, 'cancelled', 1796100358391697, 1796100358406657, 'cancelled by submit_review');
INSERT INTO public.timers VALUES ('7e8381c9-8b07-4f56-86de-bc20bf0d6d83', 'dossier', '23c73ea7-0548-481b-851d-f776cc77166b', 'review_overdue', '864de5a8-820d-4cd9-8732-6220723199f3', 'review_overdue', 1800086400000000, 'cancelled', 1796100358391697, 1796100358406657, 'cancelled by submit_review');
INSERT INTO public.timers VALUES ('d9359508-7a07-4844-9918-a096f1f33fb9', 'dossier', '23c73ea7-0548-481b-851d-f776cc77166b', 'review_reminder_7d', '0c3cbcaf-6106-4ad9-993d-30069ac067b4', 'remind_review', 1799395200000000, 'cancelled', 1796100358399882, 1796100358414624, 'cancelled by submit_review');
INSERT INTO public.timers VALUES ('dbf4a979-7449-4f55-9a3b-9a0b9fbb0ee0', 'dossier', '23c73ea7-0548-481b-851d-f776cc77166b', 'review_reminder_1d', '0c3cbcaf-6106-4ad9-993d-30069ac067b4', 'remind_review', 1799913600000000, 'cancelled', 1796100358399882, 1796100358414624, 'cancelled by submit_review');
INSERT INTO public.timers VALUES ('22213e3a-4a5f-483e-85f9-862145ac4935', 'dossier', '23c73ea7-0548-481b-851d-f776cc77166b', 'review_overdue', '0c3cbcaf-6106-4ad9-993d-30069ac067b4', 'review_overdue', 1800086400000000, 'cancelled', 1796100358399882, 1796100358414624, 'cancelled by submit_review');
INSERT INTO public.timers VALUES ('1d803362-3c88-4e13-98df-9061b244cd30', 'dossier', '936f6ac4-50df-4cc0-a57c-1f53041f7cc8', 'call_closing_7d', '', 'remind_call_closing', 1800691200000000, 'cancelled', 1796100358420480, 1796100358450622, 'cancelled by submit');
INSERT INTO public.timers VALUES ('c852420d-a1cb-4939-ab64-fcd2ac96f55f', 'dossier', '936f6ac4-50df-4cc0-a57c-1f53041f7cc8', 'call_closing_1d', '', 'remind_call_closing', 1801209600000000, 'cancelled', 1796100358420480, 1796100358450622, 'cancelled by submit');
INSERT INTO public.timers VALUES ('899233be-b180-4859-9a32-fbda25684cd2', 'dossier', '936f6ac4-50df-4cc0-a57c-1f53041f7cc8', 'review_reminder_7d', '864de5a8-820d-4cd9-8732-6220723199f3', 'remind_review', 1799395200000000, 'cancelled', 1796100358463525, 1796100358478592, 'cancelled by submit_review');
INSERT INTO public.timers VALUES ('eae11e14-6394-446f-9e66-3d91902daf50', 'dossier', '936f6ac4-50df-4cc0-a57c-1f53041f7cc8', 'review_reminder_1d', '864de5a8-820d-4cd9-8732-6220723199f3', 'remind_review', 1799913600000000, 'cancelled', 1796100358463525, 1796100358478592, 'cancelled by submit_review');
INSERT INTO public.timers VALUES ('2b1a5b62-2ba9-4bba-bc96-d20bdae7d73e', 'dossier', '936f6ac4-50df-4cc0-a57c-1f53041f7cc8', 'review_overdue', '864de5a8-820d-4cd9-8732-6220723199f3', 'review_overdue', 1800086400000000, 'cancelled', 1796100358463525, 1796100358478592, 'cancelled by submit_review');
INSERT INTO public.timers VALUES ('c7e38dea-5591-4c33-9a03-065587d484c3', 'dossier', '936f6ac4-50df-4cc0-a57c-1f53041f7cc8', 'review_reminder_7d', '0c3cbcaf-6106-4ad9-993d-30069ac067b4', 'remind_review', 1799395200000000, 'cancelled', 1796100358471503, 1796100358482586, 'cancelled by submit_review');
INSERT INTO public.timers VALUES ('0c42ac4a-c694-4981-aad4-c38b08c7d36c', 'dossier', '936f6ac4-50df-4cc0-a57c-1f53041f7cc8', 'review_reminder_1d', '0c3cbcaf-6106-4ad9-993d-30069ac067b4', 'remind_review', 1799913600000000, 'cancelled', 1796100358471503, 1796100358482586, 'cancelled by submit_review');
INSERT INTO public.timers VALUES ('403757ae-349d-4dac-9291-77f18ddc7aad', 'dossier', '936f6ac4-50df-4cc0-a57c-1f53041f7cc8', 'review_overdue', '0c3cbcaf-6106-4ad9-993d-30069ac067b4', 'review_overdue', 1800086400000000, 'cancelled', 1796100358471503, 1796100358482586, 'cancelled by submit_review');
INSERT INTO public.timers VALUES ('f76513b2-0b93-436a-8609-333e2cf8a659', 'label', '6da86ec2-470c-4e35-9060-a1c864bece22', 'renewal_window', '', 'open_renewal', 1922256000000000, 'pending', 1796100358486553, NULL, NULL);
INSERT INTO public.timers VALUES ('120d3b59-e2ec-4545-b279-5f188ad6d5ec', 'label', '6da86ec2-470c-4e35-9060-a1c864bece22', 'renewal_reminder_6m', '', 'remind_renewal', 1937890800000000, 'pending', 1796100358486553, NULL, NULL);
INSERT INTO public.timers VALUES ('2d1d040c-3fb3-4e9a-bb1c-9caa7fb44c28', 'label', '6da86ec2-470c-4e35-9060-a1c864bece22', 'renewal_reminder_3m', '', 'remind_renewal', 1945839600000000, 'pending', 1796100358486553, NULL, NULL);
INSERT INTO public.timers VALUES ('fb4fb5f4-72f0-4c8b-9552-7913264f5551', 'label', '6da86ec2-470c-4e35-9060-a1c864bece22', 'renewal_reminder_1m', '', 'remind_renewal', 1951113600000000, 'pending', 1796100358486553, NULL, NULL);
INSERT INTO public.timers VALUES ('5f6359fb-1782-4290-8b62-ec1cc397041c', 'label', '6da86ec2-470c-4e35-9060-a1c864bece22', 'end_of_validity', '', 'reach_end', 1953846000000000, 'pending', 1796100358486553, NULL, NULL);
INSERT INTO public.timers VALUES ('db04b4a3-510a-46d0-a0e7-1acddfa9bea8', 'label', '6da86ec2-470c-4e35-9060-a1c864bece22', 'report_due', '', 'report_due', 1827648000000000, 'pending', 1796100358486553, NULL, NULL);
INSERT INTO public.timers VALUES ('54243ed4-9f17-4fc0-91bc-1d94a434ec11', 'label', '6da86ec2-470c-4e35-9060-a1c864bece22', 'report_reminder', '', 'report_reminder', 1825056000000000, 'pending', 1796100358486553, NULL, NULL);


--
-- Data for Name: user_affiliations; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.user_affiliations VALUES ('864de5a8-820d-4cd9-8732-6220723199f3', 'region:BRE');
INSERT INTO public.user_affiliations VALUES ('0c3cbcaf-6106-4ad9-993d-30069ac067b4', 'academie:PARIS');
INSERT INTO public.user_affiliations VALUES ('0c3cbcaf-6106-4ad9-993d-30069ac067b4', 'org:CNAM');


--
-- Data for Name: user_roles; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.user_roles VALUES ('036cd3be-39a3-4bf7-9771-58402956d985', 'admin', '');
INSERT INTO public.user_roles VALUES ('e14456b9-7b4c-4332-a831-654c2e225e80', 'porteur', '');
INSERT INTO public.user_roles VALUES ('679f139f-f307-45a5-8db8-5bb0d278a260', 'staff_rectorat', 'academie:LYON');
INSERT INTO public.user_roles VALUES ('22f9926c-ed5a-4349-995a-44fc39fb43f7', 'staff_region', 'region:ARA');
INSERT INTO public.user_roles VALUES ('864de5a8-820d-4cd9-8732-6220723199f3', 'rapporteur', '');
INSERT INTO public.user_roles VALUES ('0c3cbcaf-6106-4ad9-993d-30069ac067b4', 'rapporteur', '');
INSERT INTO public.user_roles VALUES ('12e33cbe-a3b9-4940-a5d1-fed0c11165be', 'president', '');


--
-- Data for Name: users; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.users VALUES ('036cd3be-39a3-4bf7-9771-58402956d985', 'admin@demo.labelflow.fr', 'Administratrice nationale', '$argon2id$v=19$m=19456,t=2,p=1$Zeut78X7H69hmQ/IxcftRg$6rrcJMsHlLWAu7ARH1yILZ8y+HBicYY4Jxm487/hNoE', 1796100358015518);
INSERT INTO public.users VALUES ('e14456b9-7b4c-4332-a831-654c2e225e80', 'porteur@demo.labelflow.fr', 'Porteuse de projet (Lyon)', '$argon2id$v=19$m=19456,t=2,p=1$Zeut78X7H69hmQ/IxcftRg$6rrcJMsHlLWAu7ARH1yILZ8y+HBicYY4Jxm487/hNoE', 1796100358015518);
INSERT INTO public.users VALUES ('679f139f-f307-45a5-8db8-5bb0d278a260', 'rectorat.lyon@demo.labelflow.fr', 'Rectorat de Lyon', '$argon2id$v=19$m=19456,t=2,p=1$Zeut78X7H69hmQ/IxcftRg$6rrcJMsHlLWAu7ARH1yILZ8y+HBicYY4Jxm487/hNoE', 1796100358015518);
INSERT INTO public.users VALUES ('22f9926c-ed5a-4349-995a-44fc39fb43f7', 'region.ara@demo.labelflow.fr', 'Région Auvergne-Rhône-Alpes', '$argon2id$v=19$m=19456,t=2,p=1$Zeut78X7H69hmQ/IxcftRg$6rrcJMsHlLWAu7ARH1yILZ8y+HBicYY4Jxm487/hNoE', 1796100358015518);
INSERT INTO public.users VALUES ('864de5a8-820d-4cd9-8732-6220723199f3', 'rapporteur1@demo.labelflow.fr', 'Rapporteur (Bretagne)', '$argon2id$v=19$m=19456,t=2,p=1$Zeut78X7H69hmQ/IxcftRg$6rrcJMsHlLWAu7ARH1yILZ8y+HBicYY4Jxm487/hNoE', 1796100358015518);
INSERT INTO public.users VALUES ('0c3cbcaf-6106-4ad9-993d-30069ac067b4', 'rapporteur2@demo.labelflow.fr', 'Rapporteuse (Paris)', '$argon2id$v=19$m=19456,t=2,p=1$Zeut78X7H69hmQ/IxcftRg$6rrcJMsHlLWAu7ARH1yILZ8y+HBicYY4Jxm487/hNoE', 1796100358015518);
INSERT INTO public.users VALUES ('12e33cbe-a3b9-4940-a5d1-fed0c11165be', 'president@demo.labelflow.fr', 'Président du comité', '$argon2id$v=19$m=19456,t=2,p=1$Zeut78X7H69hmQ/IxcftRg$6rrcJMsHlLWAu7ARH1yILZ8y+HBicYY4Jxm487/hNoE', 1796100358015518);


--
-- Name: audit_seq_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.audit_seq_seq', 58, true);


--
-- Name: _sqlx_migrations _sqlx_migrations_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public._sqlx_migrations
    ADD CONSTRAINT _sqlx_migrations_pkey PRIMARY KEY (version);


--
-- Name: assignments assignments_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.assignments
    ADD CONSTRAINT assignments_pkey PRIMARY KEY (dossier_id, user_id);


--
-- Name: attachments attachments_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.attachments
    ADD CONSTRAINT attachments_pkey PRIMARY KEY (id);


--
-- Name: audit audit_entity_entity_id_entity_seq_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit
    ADD CONSTRAINT audit_entity_entity_id_entity_seq_key UNIQUE (entity, entity_id, entity_seq);


--
-- Name: audit_heads audit_heads_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_heads
    ADD CONSTRAINT audit_heads_pkey PRIMARY KEY (entity, entity_id);


--
-- Name: audit audit_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit
    ADD CONSTRAINT audit_pkey PRIMARY KEY (seq);


--
-- Name: calendar_feeds calendar_feeds_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.calendar_feeds
    ADD CONSTRAINT calendar_feeds_pkey PRIMARY KEY (user_id);


--
-- Name: calendar_feeds calendar_feeds_token_hash_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.calendar_feeds
    ADD CONSTRAINT calendar_feeds_token_hash_key UNIQUE (token_hash);


--
-- Name: campaigns campaigns_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.campaigns
    ADD CONSTRAINT campaigns_pkey PRIMARY KEY (id);


--
-- Name: decisions decisions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.decisions
    ADD CONSTRAINT decisions_pkey PRIMARY KEY (dossier_id);


--
-- Name: dossier_academies dossier_academies_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.dossier_academies
    ADD CONSTRAINT dossier_academies_pkey PRIMARY KEY (dossier_id, academie);


--
-- Name: dossier_owners dossier_owners_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.dossier_owners
    ADD CONSTRAINT dossier_owners_pkey PRIMARY KEY (dossier_id, user_id);


--
-- Name: dossiers dossiers_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.dossiers
    ADD CONSTRAINT dossiers_pkey PRIMARY KEY (id);


--
-- Name: label_academies label_academies_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.label_academies
    ADD CONSTRAINT label_academies_pkey PRIMARY KEY (label_id, academie);


--
-- Name: label_reports label_reports_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.label_reports
    ADD CONSTRAINT label_reports_pkey PRIMARY KEY (label_id, year);


--
-- Name: labels labels_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.labels
    ADD CONSTRAINT labels_pkey PRIMARY KEY (id);


--
-- Name: opinions opinions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.opinions
    ADD CONSTRAINT opinions_pkey PRIMARY KEY (dossier_id, body);


--
-- Name: outbox outbox_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.outbox
    ADD CONSTRAINT outbox_pkey PRIMARY KEY (id);


--
-- Name: partners partners_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.partners
    ADD CONSTRAINT partners_pkey PRIMARY KEY (id);


--
-- Name: recusals recusals_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.recusals
    ADD CONSTRAINT recusals_pkey PRIMARY KEY (dossier_id, user_id);


--
-- Name: reviews reviews_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.reviews
    ADD CONSTRAINT reviews_pkey PRIMARY KEY (dossier_id, reviewer_id);


--
-- Name: self_assessments self_assessments_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.self_assessments
    ADD CONSTRAINT self_assessments_pkey PRIMARY KEY (dossier_id, criterion);


--
-- Name: sessions sessions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sessions
    ADD CONSTRAINT sessions_pkey PRIMARY KEY (token_hash);


--
-- Name: timers timers_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.timers
    ADD CONSTRAINT timers_pkey PRIMARY KEY (id);


--
-- Name: user_affiliations user_affiliations_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.user_affiliations
    ADD CONSTRAINT user_affiliations_pkey PRIMARY KEY (user_id, affiliation);


--
-- Name: user_roles user_roles_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.user_roles
    ADD CONSTRAINT user_roles_pkey PRIMARY KEY (user_id, role, scope);


--
-- Name: users users_email_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_email_key UNIQUE (email);


--
-- Name: users users_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_pkey PRIMARY KEY (id);


--
-- Name: assignments_by_user; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX assignments_by_user ON public.assignments USING btree (user_id);


--
-- Name: attachments_by_dossier; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX attachments_by_dossier ON public.attachments USING btree (dossier_id);


--
-- Name: dossier_academies_by_academie; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX dossier_academies_by_academie ON public.dossier_academies USING btree (academie);


--
-- Name: dossier_owners_by_user; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX dossier_owners_by_user ON public.dossier_owners USING btree (user_id);


--
-- Name: dossiers_by_campaign; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX dossiers_by_campaign ON public.dossiers USING btree (campaign_id, state);


--
-- Name: dossiers_by_region; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX dossiers_by_region ON public.dossiers USING btree (region);


--
-- Name: label_academies_by_academie; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX label_academies_by_academie ON public.label_academies USING btree (academie);


--
-- Name: labels_by_import_key; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX labels_by_import_key ON public.labels USING btree (import_key);


--
-- Name: labels_by_renewal; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX labels_by_renewal ON public.labels USING btree (renewal_of);


--
-- Name: labels_by_state; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX labels_by_state ON public.labels USING btree (state, valid_until);


--
-- Name: outbox_by_recipient; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX outbox_by_recipient ON public.outbox USING btree (recipient_user_id);


--
-- Name: outbox_pending; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX outbox_pending ON public.outbox USING btree (next_attempt_at) WHERE (status = 'pending'::text);


--
-- Name: partners_by_dossier; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX partners_by_dossier ON public.partners USING btree (dossier_id);


--
-- Name: sessions_by_user; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX sessions_by_user ON public.sessions USING btree (user_id);


--
-- Name: timers_by_entity; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX timers_by_entity ON public.timers USING btree (entity, entity_id, status);


--
-- Name: timers_due; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX timers_due ON public.timers USING btree (due_at) WHERE (status = 'pending'::text);


--
-- Name: user_roles_by_role; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX user_roles_by_role ON public.user_roles USING btree (role, scope);


--
-- Name: audit audit_head; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_head AFTER INSERT ON public.audit FOR EACH ROW EXECUTE FUNCTION public.audit_move_head();


--
-- Name: audit audit_no_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON public.audit FOR EACH STATEMENT EXECUTE FUNCTION public.audit_append_only();


--
-- Name: audit audit_no_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER audit_no_update BEFORE DELETE OR UPDATE ON public.audit FOR EACH ROW EXECUTE FUNCTION public.audit_append_only();


--
-- Name: timers timers_wake; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER timers_wake AFTER INSERT ON public.timers FOR EACH STATEMENT EXECUTE FUNCTION public.timers_notify();


--
-- Name: assignments assignments_dossier_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.assignments
    ADD CONSTRAINT assignments_dossier_id_fkey FOREIGN KEY (dossier_id) REFERENCES public.dossiers(id) ON DELETE CASCADE;


--
-- Name: assignments assignments_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.assignments
    ADD CONSTRAINT assignments_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);


--
-- Name: attachments attachments_dossier_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.attachments
    ADD CONSTRAINT attachments_dossier_id_fkey FOREIGN KEY (dossier_id) REFERENCES public.dossiers(id) ON DELETE CASCADE;


--
-- Name: calendar_feeds calendar_feeds_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.calendar_feeds
    ADD CONSTRAINT calendar_feeds_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);


--
-- Name: decisions decisions_dossier_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.decisions
    ADD CONSTRAINT decisions_dossier_id_fkey FOREIGN KEY (dossier_id) REFERENCES public.dossiers(id) ON DELETE CASCADE;


--
-- Name: dossier_academies dossier_academies_dossier_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.dossier_academies
    ADD CONSTRAINT dossier_academies_dossier_id_fkey FOREIGN KEY (dossier_id) REFERENCES public.dossiers(id) ON DELETE CASCADE;


--
-- Name: dossier_owners dossier_owners_dossier_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.dossier_owners
    ADD CONSTRAINT dossier_owners_dossier_id_fkey FOREIGN KEY (dossier_id) REFERENCES public.dossiers(id) ON DELETE CASCADE;


--
-- Name: dossier_owners dossier_owners_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.dossier_owners
    ADD CONSTRAINT dossier_owners_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);


--
-- Name: dossiers dossiers_campaign_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.dossiers
    ADD CONSTRAINT dossiers_campaign_id_fkey FOREIGN KEY (campaign_id) REFERENCES public.campaigns(id);


--
-- Name: label_academies label_academies_label_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.label_academies
    ADD CONSTRAINT label_academies_label_id_fkey FOREIGN KEY (label_id) REFERENCES public.labels(id) ON DELETE CASCADE;


--
-- Name: label_reports label_reports_label_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.label_reports
    ADD CONSTRAINT label_reports_label_id_fkey FOREIGN KEY (label_id) REFERENCES public.labels(id) ON DELETE CASCADE;


--
-- Name: labels labels_dossier_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.labels
    ADD CONSTRAINT labels_dossier_id_fkey FOREIGN KEY (dossier_id) REFERENCES public.dossiers(id);


--
-- Name: labels labels_renewal_of_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.labels
    ADD CONSTRAINT labels_renewal_of_fkey FOREIGN KEY (renewal_of) REFERENCES public.labels(id);


--
-- Name: opinions opinions_dossier_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.opinions
    ADD CONSTRAINT opinions_dossier_id_fkey FOREIGN KEY (dossier_id) REFERENCES public.dossiers(id) ON DELETE CASCADE;


--
-- Name: partners partners_dossier_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.partners
    ADD CONSTRAINT partners_dossier_id_fkey FOREIGN KEY (dossier_id) REFERENCES public.dossiers(id) ON DELETE CASCADE;


--
-- Name: recusals recusals_dossier_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.recusals
    ADD CONSTRAINT recusals_dossier_id_fkey FOREIGN KEY (dossier_id) REFERENCES public.dossiers(id) ON DELETE CASCADE;


--
-- Name: recusals recusals_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.recusals
    ADD CONSTRAINT recusals_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);


--
-- Name: reviews reviews_dossier_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.reviews
    ADD CONSTRAINT reviews_dossier_id_fkey FOREIGN KEY (dossier_id) REFERENCES public.dossiers(id) ON DELETE CASCADE;


--
-- Name: reviews reviews_reviewer_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.reviews
    ADD CONSTRAINT reviews_reviewer_id_fkey FOREIGN KEY (reviewer_id) REFERENCES public.users(id);


--
-- Name: self_assessments self_assessments_dossier_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.self_assessments
    ADD CONSTRAINT self_assessments_dossier_id_fkey FOREIGN KEY (dossier_id) REFERENCES public.dossiers(id) ON DELETE CASCADE;


--
-- Name: sessions sessions_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.sessions
    ADD CONSTRAINT sessions_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- Name: user_affiliations user_affiliations_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.user_affiliations
    ADD CONSTRAINT user_affiliations_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- Name: user_roles user_roles_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.user_roles
    ADD CONSTRAINT user_roles_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- PostgreSQL database dump complete
--



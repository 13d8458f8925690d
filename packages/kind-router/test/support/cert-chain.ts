// A root -> intermediate -> leaf chain made with @peculiar/x509, for the TLS tests.
import 'reflect-metadata'
import * as x509 from '@peculiar/x509'
import { KeyObject, webcrypto } from 'node:crypto'

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' }
export const DAY = 24 * 60 * 60 * 1000

type CryptoKeyPair = webcrypto.CryptoKeyPair
export interface Issued { cert: string, key: string, keys: CryptoKeyPair, certificate: x509.X509Certificate }

const newKeys = (): Promise<CryptoKeyPair> => webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])
const pemOf = (key: webcrypto.CryptoKey): string => KeyObject.from(key).export({ type: 'pkcs8', format: 'pem' }).toString()

/** Milliseconds from now: when a certificate starts and ends being valid. */
export interface Validity { from: number, to: number }

export async function issue (subject: string, issuer: Issued | undefined, ca: boolean, validity: Validity = { from: -DAY, to: 30 * DAY }): Promise<Issued> {
  const keys = await newKeys()
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(ca, undefined, true),
    new x509.KeyUsagesExtension(ca ? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign : x509.KeyUsageFlags.digitalSignature, true),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, webcrypto)
  ]
  if (!ca) {
    extensions.push(
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: 'localhost' }, { type: 'ip', value: '127.0.0.1' }])
    )
  }
  const common = {
    notBefore: new Date(Date.now() + validity.from),
    notAfter: new Date(Date.now() + validity.to),
    signingAlgorithm: ALGORITHM,
    extensions
  }
  const certificate = issuer === undefined
    ? await x509.X509CertificateGenerator.createSelfSigned({ ...common, name: subject, keys }, webcrypto)
    : await x509.X509CertificateGenerator.create({
      ...common,
      subject,
      issuer: issuer.certificate.subject,
      publicKey: keys.publicKey,
      signingKey: issuer.keys.privateKey,
      extensions: [...extensions, await x509.AuthorityKeyIdentifierExtension.create(issuer.keys.publicKey, false, webcrypto)]
    }, webcrypto)
  return { cert: certificate.toString('pem') + '\n', key: pemOf(keys.privateKey), keys, certificate }
}

/** Another leaf for `localhost` and 127.0.0.1, signed by `intermediate`. */
export function makeLeaf (intermediate: Issued, validity?: Validity): Promise<Issued> {
  return issue('CN=localhost', intermediate, false, validity)
}

export interface Chain { root: Issued, intermediate: Issued, leaf: Issued }

/** A root, an intermediate it signs and a leaf for `localhost` and 127.0.0.1 the intermediate signs. */
export async function makeChain (): Promise<Chain> {
  const root = await issue('CN=Kinds Router Test Root', undefined, true, { from: -DAY, to: 365 * DAY })
  const intermediate = await issue('CN=Kinds Router Test Intermediate', root, true, { from: -DAY, to: 180 * DAY })
  const leaf = await makeLeaf(intermediate)
  return { root, intermediate, leaf }
}
